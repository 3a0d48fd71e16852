//! The limits on hostile or accidental input: each is checked where the input is read, and going
//! past one gives a clear error (a diagnostic for policies, a rejected case or line for cases),
//! never a crash, a hang or an exhausted stack. `docs/reliability.md` lists them with their errors.

/// The largest policy file, in bytes (4 MiB): a 1,000-rule policy is well under 1 MiB.
pub const MAX_POLICY_BYTES: usize = 4 * 1024 * 1024;

/// The most text, in bytes (16 MiB), one policy may load in all its files, itself and everything
/// it imports: four files of the largest size. A check holds the syntax tree, the checker's tables
/// and the compiled policy at once, about 60 times the text (measured: a 4 MiB file of 24,802
/// promises peaks at 252 MB resident in `covenant check`; four such files, 16 MiB, at 925 MB), so
/// this keeps a check of any policy under about 1 GiB. Without it, 256 files of 4 MiB (1 GiB of
/// text) would need tens of gigabytes.
pub const MAX_POLICY_TOTAL_BYTES: usize = 16 * 1024 * 1024;

/// The longest line of a policy file, in bytes.
pub const MAX_POLICY_LINE_BYTES: usize = 10_000;

/// The most files one policy may load, itself and everything it imports, directly or not. This
/// also bounds how deep imports may nest.
pub const MAX_POLICY_FILES: usize = 256;

/// The most `like` steps from a calendar down to the calendar its chain starts at (`calendar b
/// like a`, `calendar c like b`: `c` is two steps from `a`). A derived calendar holds the lines of
/// every calendar below it.
pub const MAX_LIKE_DEPTH: usize = 64;

/// The most open intervals and dates all calendars of a policy may hold together once `like` is
/// resolved: one per line, one per weekday and interval of a weekly line, one per date and interval
/// of a dated `open` line, the inherited ones counted again in each derived calendar. This bounds
/// the memory of the compiled calendars (about 100 bytes each, so 100 MB) and the time to check
/// them.
pub const MAX_CALENDAR_ENTRIES: u64 = 1_000_000;

/// The deepest nesting of `(` and `[` in a policy.
pub const MAX_NESTING: usize = 32;

/// The deepest a condition may nest: the most `not`, `and` and `or` operators on one path from the
/// whole condition down to a comparison, plus the comparison (`a or b or c` is two `or`s deep: they
/// group from the left). The parser counts the depth while it folds a condition and refuses the
/// operator that goes past it, so no deeper syntax tree is ever built, however long the chain of
/// `not`s or `or`s in the text. Every walk over a condition (checking, compiling, formatting, the
/// derived `Drop`, `Clone`, `Debug` and `PartialEq` of the syntax tree) is recursive, and this
/// bound keeps it well inside a 1 MiB thread stack. The bound is on the meaning, not the layout, so formatting a
/// condition never takes it over the limit.
pub const MAX_CONDITION_DEPTH: usize = 100;

/// The most unknown names in one check that get a "did you mean" suggestion; later ones get the
/// plain help (finding the closest name compares it with every declared one).
pub const MAX_SUGGESTIONS: usize = 100;

/// The longest name, in characters, that a "did you mean" suggestion is made for or made of: a
/// longer one gets the plain help. With the length filter and the bounded comparison of
/// `check::suggest`, one suggestion costs a bounded number of steps per declared name.
pub const MAX_SUGGEST_CHARS: usize = 64;

/// The most worker threads `eval --threads` starts (more is refused with exit code 2): each
/// thread has its own stack and buffers, and past the number of cores more threads only add
/// memory.
pub const MAX_THREADS: usize = 1024;

/// The most syntax errors reported for one policy file; parsing stops after them.
pub const MAX_SYNTAX_ERRORS: usize = 20;

/// The longest duration a policy may write: 100 years of 365.25 days, in seconds.
pub const MAX_DURATION_SECONDS: u64 = 36_525 * 86_400;

/// The largest day count a policy may write (`within N workdays`, `in N days`): 100 years of days.
pub const MAX_DAY_COUNT: u32 = 36_525;

/// The last year of the supported date range (the first is year 1).
pub const MAX_YEAR: i32 = 9999;

/// The largest YAML or JSON case file (or text), in bytes (8 MiB); larger batches go in JSON
/// Lines, which is read one line at a time.
///
/// A YAML or JSON file is read whole, and the YAML parser holds every parsing event of a document
/// (about 130 bytes each) while it is read, so memory grows with the file: about 40 times its
/// size for typical YAML cases and 18 times for JSON, and at worst (a YAML mapping of one-letter
/// keys, `{a,a,a,…}`, two events per two bytes) 150 to 200 times. This limit keeps that worst
/// case under 2 GB (1.3 GB measured for a file of exactly this size).
pub const MAX_CASE_FILE_BYTES: usize = 8 * 1024 * 1024;

/// The deepest `[` and `{` may nest in a YAML case file; deeper text is refused before it is parsed
/// (a case needs four levels). YAML and JSON values nested more than 128 deep (by brackets or by
/// indentation) are refused by the parsers.
pub const MAX_CASE_NESTING: usize = 64;

/// The longest JSON Lines line, in bytes (1 MiB); a longer line is rejected without being held in
/// memory, and the stream goes on.
pub const MAX_JSONL_LINE_BYTES: usize = 1024 * 1024;
