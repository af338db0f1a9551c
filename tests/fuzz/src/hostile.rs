//! Input bytes for the stable harness: random, but dense with what breaks text handling. Every target reads
//! these bytes either raw (as a line, a frame, a header) or through `arbitrary`, whose strings take UTF-8 runs
//! from the bytes, so hostile characters placed here end up inside typed messages too.

use rand::Rng;
use rand::seq::IndexedRandom;

/// Characters that have broken, or commonly break, text code: multi-byte spaces and line breaks, the dotted
/// capital I (whose lowercase is two characters), combining marks, direction controls, zero-width and format
/// characters, emoji sequences, NUL and other controls, non-ASCII digits and dashes, Danish letters.
pub const HOSTILE: &[&str] = &[
    "\u{00A0}",
    "\u{202F}",
    "\u{2009}",
    "\u{3000}",
    "\u{0085}",
    "\u{2028}",
    "\u{2029}",
    "\u{1680}",
    "\u{200B}",
    "\u{FEFF}",
    "\u{00AD}",
    "\u{2060}",
    "İ",
    "ı",
    "ẞ",
    "ß",
    "ﬁ",
    "Ǆ",
    "e\u{0301}",
    "a\u{0307}\u{0323}\u{0338}\u{0301}",
    "\u{0301}",
    "\u{202E}",
    "\u{200F}",
    "\u{202A}",
    "\u{061C}",
    "שלום",
    "مرحبا",
    "👩\u{200D}👩\u{200D}👧",
    "🇩🇰",
    "😀",
    "\u{0}",
    "\u{7}",
    "\u{1B}",
    "\u{9}",
    "\n",
    "\r\n",
    "\u{7F}",
    "\u{9F}",
    "０１２",
    "٣٤٥",
    "\u{2011}",
    "\u{2013}",
    "\u{2212}",
    "æ",
    "ø",
    "å",
    "Æ",
    "Ø",
    "Å",
    "\u{FFFD}",
    "\u{10FFFF}",
    "𝔸",
    "\\",
    "\"",
    "<b>",
    "&amp;",
    "%",
];

/// Words and shapes the service knows, so inputs reach past the first checks.
pub const WORDS: &[&str] = &[
    "lager",
    "lagermedarbejder",
    "sosu",
    "hjælper",
    "rengøring",
    "kok",
    "køkken",
    "chauffør",
    "truckcertifikat",
    "omhyggelig",
    "mødestabil",
    "butik",
    "pædagog",
    "leder",
    "manager",
    "8000",
    "0751",
    "0101",
    "2100",
    "9333",
    "5322",
    "521000",
    "12345607",
    "010190-1234",
    "0101901234",
    "2026-10-01",
    "2099-12-31",
    "open",
    "closed",
    "filled",
    "day",
    "night",
    "light",
    "heavy",
    "fluent",
    "none",
    "basic",
    "good",
    "B",
    "C",
    "car",
    "public",
    "http://data.europa.eu/esco/occupation/bea705fe-06ac-4147-b8e0-6e8ac1208d8f",
    "{\"cvr\":\"12345607\"}",
    "null",
    "[]",
    "{}",
    ":",
    ",",
    " ",
];

/// Random bytes of at most `max_len`: pieces of hostile text, known words, raw bytes (including invalid
/// UTF-8) and runs of one piece (long words, deep repetition).
pub fn bytes(rng: &mut impl Rng, max_len: usize) -> Vec<u8> {
    let target = match rng.random_range(0..10) {
        0 => rng.random_range(0..8),
        1..=6 => rng.random_range(0..256),
        7 | 8 => rng.random_range(0..4096),
        _ => rng.random_range(0..max_len.max(1)),
    }
    .min(max_len);
    let mut out = Vec::with_capacity(target + 16);
    while out.len() < target {
        match rng.random_range(0..10) {
            0..=2 => out.extend_from_slice(HOSTILE.choose(rng).unwrap_or(&"").as_bytes()),
            3..=5 => out.extend_from_slice(WORDS.choose(rng).unwrap_or(&"").as_bytes()),
            6 | 7 => out.push(rng.random()),
            8 => out.extend_from_slice(&rng.random::<u64>().to_le_bytes()),
            _ => {
                let piece = HOSTILE.choose(rng).unwrap_or(&"x");
                for _ in 0..rng.random_range(1..200) {
                    out.extend_from_slice(piece.as_bytes());
                }
            }
        }
    }
    out.truncate(max_len);
    out
}

/// A mutation of `seed`: flips, inserts hostile pieces, splices, truncates, duplicates.
pub fn mutate(rng: &mut impl Rng, seed: &[u8], max_len: usize) -> Vec<u8> {
    let mut out = seed.to_vec();
    for _ in 0..rng.random_range(1..6) {
        let at = if out.is_empty() {
            0
        } else {
            rng.random_range(0..=out.len())
        };
        match rng.random_range(0..7) {
            0 if !out.is_empty() => {
                let i = rng.random_range(0..out.len());
                out[i] ^= 1 << rng.random_range(0..8);
            }
            1 => {
                let piece = HOSTILE.choose(rng).unwrap_or(&"");
                out.splice(at..at, piece.bytes());
            }
            2 => {
                let piece = WORDS.choose(rng).unwrap_or(&"");
                out.splice(at..at, piece.bytes());
            }
            3 if !out.is_empty() => {
                let end = rng.random_range(at..=out.len());
                out.drain(at..end);
            }
            4 if !out.is_empty() => {
                let from = rng.random_range(0..out.len());
                let to = rng.random_range(from..=out.len().min(from + 64));
                let copy: Vec<u8> = out[from..to].to_vec();
                out.splice(at..at, copy);
            }
            5 => out.truncate(at),
            _ => {
                let b: u8 = rng.random();
                out.insert(at.min(out.len()), b);
            }
        }
    }
    out.truncate(max_len);
    out
}
