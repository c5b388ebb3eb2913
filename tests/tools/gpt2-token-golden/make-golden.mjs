// Writes tests/LessonKit.Tests/Fixtures/gpt2-tokenizer/golden.json: GPT-2 token ids for a corpus of hard strings,
// from two independent tokenizers, for LessonKit's Gpt2Tokenizer tests to compare against. See README.md.
//
//   cd tests/tools/gpt2-token-golden && npm ci && node make-golden.mjs
//
// Oracles (encoding "r50k_base" = GPT-2's vocabulary and split pattern):
//   tiktoken     OpenAI's tiktoken (its Rust core compiled to WebAssembly): the reference.
//   js-tiktoken  a pure JavaScript port. JavaScript's \s differs from Python's and Rust's on two characters
//                (it matches U+FEFF and not U+0085), so for text holding those it is not GPT-2; the test knows.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { get_encoding } from "tiktoken";
import { getEncoding } from "js-tiktoken";

const here = dirname(fileURLToPath(import.meta.url));
const outFile = join(here, "../../LessonKit.Tests/Fixtures/gpt2-tokenizer/golden.json");
const version = (name) => JSON.parse(readFileSync(join(here, "node_modules", name, "package.json"), "utf8")).version;

const tiktoken = get_encoding("r50k_base");
const jsTiktoken = getEncoding("r50k_base");

// ---- the corpus -------------------------------------------------------------------------------------------------
const named = [
  ["empty", ""],
  ["one space", " "],
  ["one newline", "\n"],
  ["leading spaces", "   leading"],
  ["trailing spaces", "trailing   "],
  ["space runs between words", "a  b   c"],
  ["leading tabs", "\t\tx"],
  ["blank lines", "x\n\n\ny"],
  ["spaces around a newline", "  \n  "],
  ["CRLF lines", "line one\r\nline two\r\n\r\nline four\r\n"],
  ["mixed whitespace", "x\r\n\r\n  \t y \t"],
  ["tab separated", "tab\tseparated\tvalues\t\t\n"],
  ["contractions", "I'm you're they'll she'd It'S"],
  ["more contractions", "We've I'd DON'T 'tis rock'n'roll ''quoted'' 's 's's  'll"],
  ["numbers", "1234567890 3.14159 1,000,000"],
  ["number forms", "½ ² ³ Ⅻ ⑦ ٣٤٥ ４２ -17 +3e-8 0x1F"],
  ["accents precomposed", "naïve café résumé Zürich"],
  ["accents combining", "cafe\u0301 nai\u0308ve Zu\u0308rich"],
  ["zalgo", "Z\u0335\u0321\u0322a\u0336l\u0337g\u0338o\u0334 t\u0315e\u0360x\u0361t"],
  ["japanese", "日本語のテキスト"],
  ["chinese and korean", "中文，标点。한국어 텍스트"],
  ["greek cyrillic hebrew arabic", "Ελληνικά Русский текст עברית العربية"],
  ["devanagari and thai", "हिन्दी भाषा ภาษาไทย"],
  ["emoji", "👋🏽 👨‍👩‍👧‍👦 🇯🇵"],
  ["emoji glued to words", "abc😀def 🤖🤖🤖 ok👍🏿!"],
  ["endoftext first", "<|endoftext|>The cat"],
  ["endoftext repeated", "The cat<|endoftext|><|endoftext|> sat <|endoftext|>"],
  ["endoftext alone", "<|endoftext|>"],
  ["endoftext near misses", "<|endoftext <|endoftext| <|ENDOFTEXT|> <|endoftext|"],
  ["long word", "pneumonoultramicroscopicsilicovolcanoconiosis"],
  ["html", "<script>alert(1)</script>"],
  ["url", "https://example.com/a/b?q=1&r=%20x#frag"],
  ["glitch tokens", "SolidGoldMagikarp  SolidGoldMagikarp davidjl ertodd"],
  ["punctuation runs", "!!!??? ... --- *** ~~~ ¿¡ «»"],
  ["math symbols", "Ω≈ç√∫˜µ≤≥÷ ∀x∈ℝ: x²≥0"],
  ["unicode spaces", "hello\u00a0world\u3000end\u2028next\u2029para\u2003em"],
  ["NEL and BOM", "a\u0085b \ufeffc \u0085\u0085 x"],
  ["zero width", "\u200b zero\u200bwidth \u200d joiner\u2060"],
  ["supplementary letters", "𝐇𝐞𝐥𝐥𝐨 𝐰𝐨𝐫𝐥𝐝 𝓉𝒽𝑒 𠀀𠀁 𐍈𐌰"],
  ["supplementary digits", "𝟙𝟚𝟛 1𝟙 x𝟘"],
  ["supplementary mixed with symbols", "𝐀. 𝐀😀 😀𝐀 𝐀! !𝐀 𝐀' '𝐀 a𝐀1 𝐞'd 𝟙'm"],
  ["replacement characters", "\ufffd \ufffd\ufffd x\ufffd"],
  ["control characters", "\u0000\u0001\u001f\u007f \u0008\u000b\u000c"],
  ["private use and noncharacters", "\ue000\uf8ff \ufdd0 \uffff"],
  ["python code", "    def f(x):\n\treturn x  \n\n\nclass A:\n    pass\n"],
  ["long letter run", "a".repeat(1000)],
  ["long space run", " ".repeat(500) + "x" + " ".repeat(300)],
  ["long newline run", "\n".repeat(200) + "end"],
  ["long emoji run", "🤖".repeat(60)],
  ["long digit run", "9".repeat(700)],
  ["reference.json sentence", "<|endoftext|>The cat sat on the mat because it was tired."],
];

const prose = [
  "The little lighthouse stood at the end of a stone pier, and every evening its keeper climbed the ",
  "ninety-seven steps to light the lamp. She didn't mind the climb; she'd counted the steps so often ",
  "that her feet knew them better than her head did.  On stormy nights the waves threw spray as high ",
  "as the gallery, and the glass rattled in its frame.\n\n",
  "\"Why do you keep it burning,\" a fisherman once asked, \"when every boat has a radio now?\"\n",
  "She thought about it for a while. \"Because radios fail,\" she said, \"and people don't. Not often, ",
  "anyway.\"\n\n",
  "In 1987 the harbour board voted 6-3 to automate the light; the motion cost £12,500 and took ",
  "three years. The keeper stayed on anyway -- unpaid, unofficial, and (by all accounts) entirely ",
  "content -- until she was 81.\r\n\r\n",
  "Résumé of the keeper's log, week 42:\n",
  "\t- Mon: wind NW 5–6, visibility good; lamp lit 18:04.\n",
  "\t- Tue: fog!!! Horn sounded 3× per minute from 02:10 to 07:45.\n",
  "\t- Wed: nothing to report…   \n",
  "\t- Thu: a yacht, the \u201cMarie-Thérèse\u201d, anchored in the lee of the pier.\n\n",
  "Transformers read text as tokens, not letters: \" the\" is one token, \"the\" is another, and a word ",
  "like \"lighthouse\" may be split into \"light\" and \"house\". Numbers are split in surprising ways: ",
  "12345 and 1,234,567 and 3.14159265358979 each become several pieces.   Spaces at the end of a line ",
  "also count.    \n",
  "\n",
  "Mr. O'Brien's shop sold 2½ kg of apples for $3.50 (about €3.20) on 2024-03-15 at 09:30 a.m.; ",
  "Mrs. Nakamura's café, two doors down, sold 14 croissants — \"a slow day,\" she'd say — and ",
  "ten cups of tea.\tIt wasn't much.   It was enough.\n",
  "    Indented lines, like this one, keep their spaces: GPT-2 gives runs of spaces tokens of their own,\n",
  "        and a space before a word usually joins that word (\" word\").\n",
  "ALL CAPS SHOUTING, camelCaseIdentifiers, snake_case_names and kebab-case-words all split differently.\n",
  "Q: What's 7 × 8?  A: 56.  Q: And 0.1 + 0.2?  A: 0.30000000000000004 (in floating point, anyway).\n",
].join("").repeat(2);

const code = [
  "using System;\r\n",
  "\r\n",
  "namespace Demo\r\n",
  "{\r\n",
  "    /// <summary>Counts words.</summary>\r\n",
  "    public static class WordCounter\r\n",
  "    {\r\n",
  "        public static int Count(string text)\r\n",
  "        {\r\n",
  "            if (string.IsNullOrWhiteSpace(text)) return 0;   \r\n",
  "            var parts = text.Split(new[] { ' ', '\\t', '\\n' }, StringSplitOptions.RemoveEmptyEntries);\r\n",
  "            return parts.Length; // e.g. \"a  b\" -> 2\r\n",
  "        }\r\n",
  "    }\r\n",
  "}\r\n",
  "\n",
  "def tokenize(text: str) -> list[str]:\n",
  "\t\"\"\"Split on whitespace.\"\"\"\n",
  "\tout = []\n",
  "\tfor word in text.split():\n",
  "\t\tif word.endswith((\"'s\", \"'t\")):\n",
  "\t\t\tout.append(word[:-2]); out.append(word[-2:])\n",
  "\t\telse:\n",
  "\t\t\tout.append(word)    \n",
  "\treturn out\n",
  "\n",
  "SELECT id, name FROM users WHERE age >= 18 AND name LIKE '%ann%';\n",
  "const f = (x) => x ** 2 + 3 * x - 1;\t// a quadratic\n",
  "<div class=\"a b\">\n  <p>Hello,&nbsp;world&#33;</p>\n</div>\n",
  "    \n",
  "\t \t\n",
].join("").repeat(3);

named.push(["long prose", prose], ["long code", code]);

// Random strings over characters that stress the split pattern and BPE (seeded, so the file is stable).
function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const alphabet = [
  " ", " ", " ", " ", "\t", "\n", "\r", "\r\n", "\u00a0", "\u3000", "\u2028", "\u0085", "\ufeff",
  "'", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "s", "t", "re", "ll",
  "a", "e", "the", "The", "cat", "ing", "tion", "x", "Z", "é", "ü", "\u0301", "\u0308", "ß", "ø",
  "0", "1", "7", "42", "2024", "½", "²", "٣",
  ".", ",", "!", "?", "-", "_", "(", ")", "<", ">", "|", "\"", "#", "$", "%", "&", "*", "/", "\\", "…", "—",
  "<|endoftext|>", "日", "本", "語", "中", "한", "ไ", "ह", "ि", "Ω", "Ж", "ש", "ع",
  "😀", "👍", "🏽", "\u200d", "🇯", "🇵", "👨‍👩‍👧", "🤖", "𝐀", "𝐞", "𝟙", "𠀀", "\ufffd", "\u200b", "\u0000", "\u007f",
];
const random = mulberry32(2019);
for (let i = 0; i < 300; i++) {
  const length = Math.floor(random() * 24);
  let text = "";
  for (let j = 0; j < length; j++) text += alphabet[Math.floor(random() * alphabet.length)];
  named.push([`random ${i}`, text]);
}

// The text of every token that holds part of a UTF-8 character, with U+FFFD for the broken part (TextDecoder's rule,
// the same as Python's bytes.decode("utf-8", errors="replace")). These texts ("\ufffd", " \ufffd", ...) also join the
// corpus: encoding one must give the token for U+FFFD itself, never a cut-character token that displays alike.
const strict = new TextDecoder("utf-8", { fatal: true });
const lenient = new TextDecoder("utf-8");
const partialTokenTexts = {};
for (let id = 0; id < 50256; id++) {
  const bytes = tiktoken.decode_single_token_bytes(id);
  try {
    strict.decode(bytes);
  } catch {
    partialTokenTexts[id] = lenient.decode(bytes);
  }
}
for (const text of new Set(Object.values(partialTokenTexts))) {
  named.push([`partial-token text ${JSON.stringify(text)}`, text]);
}

// ---- encode with both oracles -------------------------------------------------------------------------------------
const cases = named.map(([name, text]) => {
  const reference = Array.from(tiktoken.encode(text, "all"));
  const port = jsTiktoken.encode(text, "all");
  const same = reference.length === port.length && reference.every((id, k) => id === port[k]);
  if (!same && !/[\u0085\ufeff]/.test(text)) {
    throw new Error(`tiktoken and js-tiktoken disagree on "${name}" for a reason other than U+0085/U+FEFF`);
  }
  return { name, text, tiktoken: reference, jsTiktoken: port };
});

const golden = {
  about:
    "GPT-2 (r50k_base) token ids, written by tests/tools/gpt2-token-golden/make-golden.mjs; do not edit by hand. " +
    "'tiktoken' is OpenAI's tiktoken (reference), 'jsTiktoken' the JavaScript port (differs only on U+0085/U+FEFF). " +
    "'partialTokenTexts' maps each id whose bytes are not whole UTF-8 characters to its text with U+FFFD.",
  generator: { node: process.version, tiktoken: version("tiktoken"), "js-tiktoken": version("js-tiktoken") },
  cases,
  partialTokenTexts,
};
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify(golden, null, 0).replace(/\},\{"name"/g, '},\n{"name"') + "\n");
tiktoken.free();
console.log(`wrote ${cases.length} cases and ${Object.keys(partialTokenTexts).length} partial-token texts to ${outFile}`);
