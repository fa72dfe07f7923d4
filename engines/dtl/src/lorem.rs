//! Lorem ipsum text for `{% lorem %}`, as Django's `lorem_ipsum` makes it:
//! the standard opening words and paragraph first (unless `random`), then
//! random Latin sentences from the same vocabulary.

/// The standard lorem ipsum paragraph.
pub(crate) const COMMON_P: &str = "Lorem ipsum dolor sit amet, consectetur adipisicing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum.";

/// The standard opening words.
const COMMON_WORDS: [&str; 19] = [
    "lorem",
    "ipsum",
    "dolor",
    "sit",
    "amet",
    "consectetur",
    "adipisicing",
    "elit",
    "sed",
    "do",
    "eiusmod",
    "tempor",
    "incididunt",
    "ut",
    "labore",
    "et",
    "dolore",
    "magna",
    "aliqua",
];

/// The vocabulary random text is drawn from (Django's list).
#[rustfmt::skip]
const WORDS: [&str; 182] = [
    "exercitationem", "perferendis", "perspiciatis", "laborum", "eveniet", "sunt", "iure", "nam",
    "nobis", "eum", "cum", "officiis", "excepturi", "odio", "consectetur", "quasi", "aut",
    "quisquam", "vel", "eligendi", "itaque", "non", "odit", "tempore", "quaerat", "dignissimos",
    "facilis", "neque", "nihil", "expedita", "vitae", "vero", "ipsum", "nisi", "animi", "cumque",
    "pariatur", "velit", "modi", "natus", "iusto", "eaque", "sequi", "illo", "sed", "ex", "et",
    "voluptatibus", "tempora", "veritatis", "ratione", "assumenda", "incidunt", "nostrum",
    "placeat", "aliquid", "fuga", "provident", "praesentium", "rem", "necessitatibus", "suscipit",
    "adipisci", "quidem", "possimus", "voluptas", "debitis", "sint", "accusantium", "unde",
    "sapiente", "voluptate", "qui", "aspernatur", "laudantium", "soluta", "amet", "quo", "aliquam",
    "saepe", "culpa", "libero", "ipsa", "dicta", "reiciendis", "nesciunt", "doloribus", "autem",
    "impedit", "minima", "maiores", "repudiandae", "ipsam", "obcaecati", "ullam", "enim", "totam",
    "delectus", "ducimus", "quis", "voluptates", "dolores", "molestiae", "harum", "dolorem",
    "quia", "voluptatem", "molestias", "magni", "distinctio", "omnis", "illum", "dolorum",
    "voluptatum", "ea", "quas", "quam", "corporis", "quae", "blanditiis", "atque", "deserunt",
    "laboriosam", "earum", "consequuntur", "hic", "cupiditate", "quibusdam", "accusamus", "ut",
    "rerum", "error", "minus", "eius", "ab", "ad", "nemo", "fugit", "officia", "at", "in", "id",
    "quos", "reprehenderit", "numquam", "iste", "fugiat", "sit", "inventore", "beatae",
    "repellendus", "magnam", "recusandae", "quod", "explicabo", "doloremque", "aperiam",
    "consequatur", "asperiores", "commodi", "optio", "dolor", "labore", "temporibus", "repellat",
    "veniam", "architecto", "est", "esse", "mollitia", "nulla", "a", "similique", "eos", "alias",
    "dolore", "tenetur", "deleniti", "porro", "facere", "maxime", "corrupti",
];

/// `count` distinct words drawn at random from the vocabulary, in random
/// order (Python's `random.sample`).
fn sample(rng: &mut fastrand::Rng, count: usize, into: &mut Vec<&'static str>) {
    let mut pool = WORDS;
    // A partial Fisher-Yates shuffle: the first `count` places are the sample.
    for i in 0..count.min(pool.len()) {
        let j = rng.usize(i..pool.len());
        pool.swap(i, j);
        into.push(pool[i]);
    }
}

/// `count` words separated by single spaces: the common words first when
/// `common`, then random ones. A negative count drops that many common
/// words from the end, as Python's `list[:count]` does.
pub(crate) fn words(count: i64, common: bool) -> String {
    let mut list: Vec<&str> = if common {
        COMMON_WORDS.to_vec()
    } else {
        Vec::new()
    };
    let have = list.len() as i64;
    if count > have {
        let mut rng = fastrand::Rng::new();
        let mut left = (count - have) as usize;
        while left > 0 {
            let take = left.min(WORDS.len());
            left -= take;
            sample(&mut rng, take, &mut list);
        }
    } else {
        let keep = if count < 0 { have + count } else { count };
        list.truncate(keep.max(0) as usize);
    }
    list.join(" ")
}

/// A random sentence: one to five comma-separated sections of three to
/// twelve words, capitalised, ending in `.` or `?`.
fn sentence(rng: &mut fastrand::Rng) -> String {
    let mut out = String::new();
    let mut section = Vec::new();
    for i in 0..rng.usize(1..=5) {
        if i > 0 {
            out.push_str(", ");
        }
        section.clear();
        let count = rng.usize(3..=12);
        sample(rng, count, &mut section);
        out.push_str(&section.join(" "));
    }
    // The vocabulary is lower case: capitalising upper-cases the first letter.
    let mut sentence = crate::builtin_attrs::capitalize(&out);
    sentence.push(if rng.bool() { '?' } else { '.' });
    sentence
}

/// A random paragraph of one to four sentences.
fn paragraph(rng: &mut fastrand::Rng) -> String {
    let sentences: Vec<String> = (0..rng.usize(1..=4)).map(|_| sentence(rng)).collect();
    sentences.join(" ")
}

/// `count` paragraphs: the standard one first when `common`, the rest
/// random. A count below one gives none.
pub(crate) fn paragraphs(count: i64, common: bool) -> Vec<String> {
    let mut rng = fastrand::Rng::new();
    (0..count.max(0))
        .map(|i| {
            if common && i == 0 {
                COMMON_P.to_owned()
            } else {
                paragraph(&mut rng)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_start_with_the_common_words_and_continue_at_random() {
        assert_eq!(words(3, true), "lorem ipsum dolor");
        assert_eq!(words(0, true), "");
        // Python's list[:count] with a negative count.
        assert_eq!(words(-17, true), "lorem ipsum");
        assert_eq!(words(-30, true), "");
        let long = words(400, true);
        let all: Vec<&str> = long.split(' ').collect();
        assert_eq!(all.len(), 400);
        assert_eq!(all[..19], COMMON_WORDS);
        assert!(all[19..].iter().all(|w| WORDS.contains(w)));
        // Each run of up to 182 random words has no repeats (a sample).
        let mut first: Vec<&str> = all[19..19 + 182].to_vec();
        first.sort_unstable();
        first.dedup();
        assert_eq!(first.len(), 182);
        let random = words(5, false);
        assert_eq!(random.split(' ').count(), 5);
        assert!(random.split(' ').all(|w| WORDS.contains(&w)));
    }

    #[test]
    fn paragraphs_after_the_first_are_random_sentences() {
        assert!(paragraphs(0, true).is_empty());
        assert!(paragraphs(-2, true).is_empty());
        let paras = paragraphs(40, true);
        assert_eq!(paras.len(), 40);
        assert_eq!(paras[0], COMMON_P);
        for p in &paras[1..] {
            assert!(p.starts_with(|c: char| c.is_ascii_uppercase()), "{p}");
            assert!(p.ends_with(['.', '?']), "{p}");
            let words = p
                .split([' ', ',', '.', '?'])
                .filter(|w| !w.is_empty())
                .map(str::to_lowercase);
            for w in words {
                assert!(WORDS.contains(&w.as_str()), "{w} in {p}");
            }
        }
        // Forty random paragraphs are not all the same text.
        assert!(paras[1..].iter().any(|p| p != &paras[1]));
        assert_ne!(paragraphs(1, false)[0], COMMON_P);
    }
}
