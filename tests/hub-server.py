#!/usr/bin/env python3
"""hub-server.py: a stand-in for the Hugging Face hub on loopback, for tests.

Serves the files of --root as /{repo}/resolve/{main|commit}/{file} with the
headers huggingface_hub reads: X-Repo-Commit, ETag (the git blob sha1 of a
regular file), and for LFS files (*.safetensors) X-Linked-Etag (the sha256)
and X-Linked-Size. HEAD, Range (206, 416), and with --redirect LFS files
answer 302 to an absolute /cdn/<sha256> URL, as the hub sends them to its
CDN. Fault switches break the transfer on purpose. Prints the port it
listens on (127.0.0.1, chosen by the system), logs one line per request to
--log, and exits by itself after --timeout seconds. Standard library only.
"""

import argparse
import gzip
import hashlib
import http.server
import os
import socket
import sys
import threading
import time

LFS_SUFFIXES = (".safetensors", ".bin", ".h5", ".msgpack")


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", required=True, help="directory of files")
    ap.add_argument("--repo", default="openai-community/gpt2")
    ap.add_argument("--commit", default="a" * 40)
    ap.add_argument("--log", help="append one line per request here")
    ap.add_argument("--timeout", type=float, default=120,
                    help="exit after this many seconds")
    ap.add_argument("--redirect", action="store_true",
                    help="answer LFS files with 302 to /cdn/<sha256>")
    ap.add_argument("--alias", action="append", default=[],
                    help="a repo id that 307-redirects to --repo")
    ap.add_argument("--token", help="require Authorization: Bearer TOKEN")
    ap.add_argument("--status", type=int,
                    help="answer every request with this HTTP status")
    ap.add_argument("--fault-file", default="model.safetensors",
                    help="the file the faults below apply to")
    ap.add_argument("--drop-after", type=int,
                    help="close the connection after N body bytes")
    ap.add_argument("--corrupt", action="store_true",
                    help="flip one byte of the body")
    ap.add_argument("--stall", type=float,
                    help="stop sending for this many seconds mid-body")
    ap.add_argument("--ignore-range", action="store_true",
                    help="answer Range requests with the whole file (200)")
    ap.add_argument("--gzip", action="store_true",
                    help="send the body gzip-encoded (Content-Encoding)")
    ap.add_argument("--html", action="store_true",
                    help="send an HTML page as the body, with status 200")
    ap.add_argument("--bad-commit",
                    help="send this X-Repo-Commit (escapes allowed: \\x1b)")
    ap.add_argument("--cdn-host",
                    help="redirect LFS files to this host name (another "
                    "origin, e.g. localhost) rather than 127.0.0.1")
    ap.add_argument("--head-location",
                    help="answer HEAD of the fault file with 307 to this "
                    "Location (PORT is replaced by the port)")
    return ap.parse_args()


class Files:
    """The served files, with the ETags the hub would give them."""

    def __init__(self, root):
        self.data = {}
        self.by_sha = {}
        for name in sorted(os.listdir(root)):
            with open(os.path.join(root, name), "rb") as f:
                data = f.read()
            sha256 = hashlib.sha256(data).hexdigest()
            git = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
            lfs = name.endswith(LFS_SUFFIXES)
            self.data[name] = (data, sha256, git, lfs)
            self.by_sha[sha256] = name


def make_handler(args, files, log):
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "hub-server"

        def log_message(self, fmt, *a):
            pass

        def note(self):
            if log is None:
                return
            line = "%s %s range=%s auth=%s enc=%s host=%s\n" % (
                self.command, self.path,
                self.headers.get("Range", "-"),
                self.headers.get("Authorization", "-"),
                self.headers.get("Accept-Encoding", "-"),
                self.headers.get("Host", "-"))
            with lock:
                log.write(line)
                log.flush()

        def fail(self, code, error_code, message):
            body = (message + "\n").encode()
            self.send_response(code)
            self.send_header("X-Error-Code", error_code)
            self.send_header("X-Error-Message", message)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_HEAD(self):
            self.handle_any()

        def do_GET(self):
            self.handle_any()

        def handle_any(self):
            self.note()
            if args.status:
                return self.fail(args.status, "Forced",
                                 "forced status %d" % args.status)
            path = self.path.split("?", 1)[0]
            # The CDN needs no token (its URLs are signed), as the hub's.
            if args.token is not None and not path.startswith("/cdn/") and \
                    self.headers.get("Authorization") != \
                    "Bearer " + args.token:
                return self.fail(401, "Unauthorized",
                                 "Invalid credentials in Authorization header")
            if path.startswith("/cdn/"):
                name = files.by_sha.get(path[len("/cdn/"):])
                if name is None:
                    return self.fail(404, "NotFound", "no such object")
                return self.send_file(name, cdn=True)
            repo, sep, rest = path[1:].partition("/resolve/")
            if not sep or "/" not in rest:
                return self.fail(404, "NotFound", "not a resolve URL")
            rev, _, name = rest.partition("/")
            if repo in args.alias:
                self.send_response(307)
                self.send_header("Location", "/%s/resolve/%s/%s" %
                                 (args.repo, rev, name))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            if repo != args.repo:
                return self.fail(404, "RepoNotFound", "Repository not found")
            if rev not in ("main", args.commit):
                return self.fail(404, "RevisionNotFound",
                                 "Invalid rev id: " + rev)
            if name not in files.data:
                return self.fail(404, "EntryNotFound",
                                 "Entry not found")
            return self.send_file(name, cdn=False)

        def commit(self):
            if args.bad_commit is not None:
                return args.bad_commit.encode().decode("unicode_escape")
            return args.commit

        def send_file(self, name, cdn):
            data, sha256, git, lfs = files.data[name]
            fault = name == args.fault_file
            if fault and args.head_location and self.command == "HEAD":
                port = self.server.server_address[1]
                self.send_response(307)
                self.send_header("Location", args.head_location.replace(
                    "PORT", str(port)))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if lfs and args.redirect and not cdn:
                port = self.server.server_address[1]
                self.send_response(302)
                self.send_header("Location", "http://%s:%d/cdn/%s"
                                 "?expires=never" % (
                                     args.cdn_host or "127.0.0.1", port,
                                     sha256))
                self.send_header("X-Repo-Commit", self.commit())
                self.send_header("ETag", '"%s"' % git)
                self.send_header("X-Linked-Etag", '"%s"' % sha256)
                self.send_header("X-Linked-Size", str(len(data)))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if fault and args.corrupt:
                mid = len(data) // 2
                data = data[:mid] + bytes([data[mid] ^ 0xff]) + \
                    data[mid + 1:]
            if fault and args.html:
                data = (b"<!DOCTYPE html><html><body>Sign in to continue"
                        b"</body></html>\n")
            if fault and args.gzip:
                data = gzip.compress(data)
            start = 0
            rng = self.headers.get("Range")
            code = 200
            if rng and not args.ignore_range:
                try:
                    spec = rng.split("=", 1)[1]
                    first, _, last = spec.partition("-")
                    start = int(first)
                    end = int(last) + 1 if last else len(data)
                except (IndexError, ValueError):
                    return self.fail(400, "BadRange", "bad Range")
                if start >= len(data):
                    self.send_response(416)
                    self.send_header("Content-Range", "bytes */%d" % len(data))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                code = 206
                data = data[start:end]
            self.send_response(code)
            if not cdn:
                self.send_header("X-Repo-Commit", self.commit())
            if fault and args.gzip:
                self.send_header("Content-Encoding", "gzip")
            if lfs:
                self.send_header("ETag", '"%s"' % sha256)
                if not cdn:
                    self.send_header("X-Linked-Etag", '"%s"' % sha256)
                    self.send_header("X-Linked-Size",
                                     str(len(files.data[name][0])))
            else:
                self.send_header("ETag", '"%s"' % git)
            if code == 206:
                self.send_header("Content-Range", "bytes %d-%d/%d" % (
                    start, start + len(data) - 1, len(files.data[name][0])))
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command == "HEAD":
                return
            self.send_body(data, fault)

        def send_body(self, data, fault):
            limit = len(data)
            if fault and args.drop_after is not None:
                limit = min(limit, args.drop_after)
            try:
                off = 0
                while off < limit:
                    n = min(65536, limit - off)
                    self.wfile.write(data[off:off + n])
                    off += n
                    if fault and args.stall:
                        self.wfile.flush()
                        time.sleep(args.stall)
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
                return
            if limit < len(data):
                # An interrupted transfer: fewer bytes than announced.
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    return Handler


def main():
    args = parse_args()
    files = Files(args.root)
    log = open(args.log, "a") if args.log else None
    handler = make_handler(args, files, log)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    timer = threading.Timer(args.timeout, lambda: os._exit(0))
    timer.daemon = True
    timer.start()
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
