//! The blog's data: a few posts kept in memory (no database), and how a
//! post becomes a template value.

use std::sync::Arc;

use chrono::NaiveDate;
use platen::Value;
use platen::value::Map;

/// One blog post.
#[derive(Debug, Clone)]
pub struct Post {
    /// The URL segment that names the post.
    pub slug: &'static str,
    /// The title (plain text: templates escape it).
    pub title: &'static str,
    /// Who wrote it.
    pub author: &'static str,
    /// When it was published.
    pub date: NaiveDate,
    /// Its topics.
    pub tags: &'static [&'static str],
    /// One sentence for the list page.
    pub summary: &'static str,
    /// The paragraphs of the body (plain text).
    pub body: &'static [&'static str],
}

impl Post {
    /// The post as a template value: a map of its fields, the date a real
    /// date (for `|date`), the tags and paragraphs lists.
    pub fn to_value(&self) -> Value {
        let mut map = Map::default();
        map.insert(Arc::from("slug"), Value::from(self.slug));
        map.insert(Arc::from("title"), Value::from(self.title));
        map.insert(Arc::from("author"), Value::from(self.author));
        map.insert(Arc::from("date"), Value::from(self.date));
        map.insert(
            Arc::from("tags"),
            self.tags.iter().map(|t| Value::from(*t)).collect(),
        );
        map.insert(Arc::from("summary"), Value::from(self.summary));
        map.insert(
            Arc::from("body"),
            self.body.iter().map(|p| Value::from(*p)).collect(),
        );
        Value::from(map)
    }
}

/// A topic and how many posts have it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    /// The tag.
    pub name: &'static str,
    /// The number of posts tagged with it.
    pub count: usize,
}

/// The posts, newest first.
#[derive(Debug, Clone)]
pub struct Blog {
    posts: Vec<Post>,
    /// Each post as a template value, built once (values are immutable and
    /// shared, so every request clones a pointer, not the post).
    values: Vec<Value>,
    /// All of them as one list value, built once too.
    list: Value,
}

impl Default for Blog {
    fn default() -> Blog {
        Blog::sample()
    }
}

impl Blog {
    /// A blog of `posts` (kept newest first).
    pub fn new(mut posts: Vec<Post>) -> Blog {
        posts.sort_by(|a, b| b.date.cmp(&a.date).then(a.slug.cmp(b.slug)));
        let values: Vec<Value> = posts.iter().map(Post::to_value).collect();
        let list = values.iter().cloned().collect();
        Blog {
            posts,
            values,
            list,
        }
    }

    /// The post at `index` (of [`posts`](Self::posts)) as a template value.
    pub fn value(&self, index: usize) -> Value {
        self.values.get(index).cloned().unwrap_or_default()
    }

    /// Every post as a template value, newest first.
    pub fn values(&self) -> Value {
        self.list.clone()
    }

    /// Every post, newest first.
    pub fn posts(&self) -> &[Post] {
        &self.posts
    }

    /// The position of the post named `slug` in [`posts`](Self::posts).
    pub fn position(&self, slug: &str) -> Option<usize> {
        self.posts.iter().position(|p| p.slug == slug)
    }

    /// The post named `slug`, with its newer and older neighbours.
    pub fn post(&self, slug: &str) -> Option<(&Post, Option<&Post>, Option<&Post>)> {
        let i = self.position(slug)?;
        let newer = i.checked_sub(1).and_then(|j| self.posts.get(j));
        Some((&self.posts[i], newer, self.posts.get(i + 1)))
    }

    /// The posts tagged `tag`, newest first.
    pub fn tagged(&self, tag: &str) -> Vec<&Post> {
        self.posts
            .iter()
            .filter(|p| p.tags.contains(&tag))
            .collect()
    }

    /// Every tag with its post count, by name.
    pub fn topics(&self) -> Vec<Topic> {
        let mut topics: Vec<Topic> = Vec::new();
        for tag in self.posts.iter().flat_map(|p| p.tags.iter()) {
            match topics.iter_mut().find(|t| t.name == *tag) {
                Some(t) => t.count += 1,
                None => topics.push(Topic {
                    name: tag,
                    count: 1,
                }),
            }
        }
        topics.sort_by(|a, b| a.name.cmp(b.name));
        topics
    }

    /// The topics as a template value: a list of `{name, count}` maps.
    pub fn topics_value(&self) -> Value {
        self.topics()
            .into_iter()
            .map(|t| {
                let mut map = Map::default();
                map.insert(Arc::from("name"), Value::from(t.name));
                map.insert(Arc::from("count"), Value::from(t.count));
                Value::from(map)
            })
            .collect()
    }

    /// The sample blog the example site serves.
    pub fn sample() -> Blog {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        Blog::new(vec![
            Post {
                slug: "hello-platen",
                title: "Hello, platen",
                author: "Ada",
                date: date(2025, 1, 14),
                tags: &["news", "templates"],
                summary: "Why a Rust web stack might want Django's template system, and what this site is made of.",
                body: &[
                    "This blog is served by platen, a template platform for Rust shaped like Django's. The pages you read are Django templates, rendered by platen's own engine, compiled once and shared by every request.",
                    "The settings file names two engines side by side: the Django Template Language for the blog itself, and Handlebars for the about page. A page asks for a template by name; the first engine that has it renders it.",
                    "Everything else is plain tower: a hyper server, a layer that renders template responses on the way out, and a static file service for the stylesheet.",
                ],
            },
            Post {
                slug: "template-inheritance",
                title: "Template inheritance, one block at a time",
                author: "Grace",
                date: date(2025, 2, 3),
                tags: &["templates", "dtl"],
                summary: "A base layout, blocks that pages fill in, and includes for the pieces that repeat.",
                body: &[
                    "Every page of this site extends base.html. The base layout holds the header, the footer and the stylesheet link; a page fills in its title and content blocks and nothing else.",
                    "The header, the footer and each post card on the front page are includes: small templates rendered where they are named, with the context of the page around them.",
                    "Because compiled templates are immutable, the block stack of an inheritance chain lives in the render's own state. Two requests rendering the same page at once never see each other's blocks.",
                ],
            },
            Post {
                slug: "escaping-script-tags",
                title: "Escaping <script> tags, automatically",
                author: "Ada",
                date: date(2025, 3, 21),
                tags: &["security", "dtl"],
                summary: "Autoescaping is on by default: this post's title has a <script> tag in it, and you can read it.",
                body: &[
                    "The title of this post contains a literal <script> tag. The template prints it with {{ post.title }}, and the engine escapes it, so the browser shows the text instead of running it.",
                    "Values a template should print as HTML are marked safe explicitly, in Rust or with the safe filter. Anything else is escaped, as in Django.",
                ],
            },
            Post {
                slug: "custom-filters-and-tags",
                title: "A filter and a tag of our own",
                author: "Linus",
                date: date(2025, 4, 9),
                tags: &["dtl", "rust"],
                summary: "The reading time under each title is a custom filter; the tag links are an inclusion tag.",
                body: &[
                    "The blog library of this site is written in Rust. It has one filter, reading_time, which counts the words of a post and prints how long it takes to read, and one inclusion tag, tag_links, which renders the list of a post's topics with its own small template.",
                    "Templates load it with {% load blog %}, exactly as a Django app's templatetags module is loaded.",
                    "Links are reversed with {% url %} from the site's route table, so a template never spells out a path: renaming a route changes every link at once, and a wrong route name is an error, not a broken link.",
                ],
            },
            Post {
                slug: "when-pages-fail",
                title: "When a page fails to render",
                author: "Grace",
                date: date(2025, 5, 30),
                tags: &["errors", "dtl"],
                summary: "A 404 page for unknown addresses, a 500 page for templates that fail, and a debug page while you develop.",
                body: &[
                    "Ask for an address the site does not have and you get its 404 page. Visit the broken page and a template error happens while rendering: in production you see the site's 500 page, with the details in the server log and no file path shown.",
                    "Start the site with PLATEN_DEBUG=true and the same error shows Django's technical page instead: the template, the line, the source with the error marked, and the context's names.",
                ],
            },
        ])
    }
}
