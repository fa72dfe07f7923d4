//! The blog's data: a few posts kept in memory (no database), editable
//! behind a lock, and how a post becomes a template value.
//!
//! A post is shown to templates as a [`PostObject`], a [`platen::Object`]
//! whose cache identity is `post:<slug>`: a `{% cache %}` block whose body
//! looks at it (`{{ post.title }}`) records that it shows the post, and
//! expiring `post:<slug>` re-renders exactly those blocks. The object reads
//! the post's current fields when the template looks at them (not when the
//! view built the context), so a block rendered after an edit shows it.

use std::sync::{Arc, RwLock};

use chrono::NaiveDate;
use platen::value::Map;
use platen::{Object, Value};

/// One blog post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    /// The URL segment that names the post.
    pub slug: &'static str,
    /// The title (plain text: templates escape it).
    pub title: String,
    /// Who wrote it.
    pub author: &'static str,
    /// When it was published.
    pub date: NaiveDate,
    /// Its topics.
    pub tags: &'static [&'static str],
    /// One sentence for the list page.
    pub summary: String,
    /// The paragraphs of the body (plain text).
    pub body: &'static [&'static str],
}

impl Post {
    /// The post's cache identity: `post:<slug>`.
    pub fn identity(&self) -> String {
        identity(self.slug)
    }

    /// The post as a plain template value: a map of its fields, the date a
    /// real date (for `|date`), the tags and paragraphs lists. (A snapshot:
    /// templates get [`Blog::value`], which follows edits.)
    pub fn to_value(&self) -> Value {
        Value::from(self.fields())
    }

    fn fields(&self) -> Map {
        let mut map = Map::default();
        map.insert(Arc::from("slug"), Value::from(self.slug));
        map.insert(Arc::from("title"), Value::from(self.title.as_str()));
        map.insert(Arc::from("author"), Value::from(self.author));
        map.insert(Arc::from("date"), Value::from(self.date));
        map.insert(
            Arc::from("tags"),
            self.tags.iter().map(|t| Value::from(*t)).collect(),
        );
        map.insert(Arc::from("summary"), Value::from(self.summary.as_str()));
        map.insert(
            Arc::from("body"),
            self.body.iter().map(|p| Value::from(*p)).collect(),
        );
        map
    }
}

/// The cache identity of the post named `slug`: `post:<slug>`.
pub fn identity(slug: &str) -> String {
    format!("post:{slug}")
}

/// What an edit changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edit {
    /// The new title.
    pub title: Option<String>,
    /// The new summary.
    pub summary: Option<String>,
}

impl Edit {
    /// Whether the edit changes nothing.
    pub fn is_empty(&self) -> bool {
        self.title.is_none() && self.summary.is_none()
    }
}

/// A post and its fields as template values, replaced whole by an edit.
#[derive(Debug)]
struct Version {
    post: Post,
    fields: Map,
}

/// One post behind its lock, shared by every [`PostObject`] showing it.
#[derive(Debug)]
struct Entry {
    slug: &'static str,
    identity: Arc<str>,
    current: RwLock<Arc<Version>>,
}

impl Entry {
    fn new(post: Post) -> Entry {
        Entry {
            slug: post.slug,
            identity: Arc::from(post.identity()),
            current: RwLock::new(Arc::new(Version {
                fields: post.fields(),
                post,
            })),
        }
    }

    fn current(&self) -> Arc<Version> {
        // A panic while holding the lock left a whole version in place.
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// A post as templates see it: its fields by name, read when looked at,
/// and its cache identity `post:<slug>`.
#[derive(Debug, Clone)]
pub struct PostObject(Arc<Entry>);

impl Object for PostObject {
    fn get_attr(&self, name: &str) -> Option<Value> {
        if name == "slug" {
            return Some(Value::from(self.0.slug));
        }
        self.0.current().fields.get(name).cloned()
    }

    fn attr_names(&self) -> Option<Vec<Arc<str>>> {
        Some(self.0.current().fields.keys().cloned().collect())
    }

    fn cache_identity(&self) -> Option<String> {
        Some(self.0.identity.to_string())
    }

    fn render(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.current().post.title)
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

/// The posts, newest first. Titles and summaries can be edited
/// ([`Blog::edit`]); the set of posts, their order and their tags cannot.
#[derive(Debug)]
pub struct Blog {
    entries: Vec<Arc<Entry>>,
    /// Each post as a template value, built once: the objects read the
    /// post's current version, so an edit needs no new values.
    values: Vec<Value>,
    /// All of them as one list value, built once too.
    list: Value,
    /// The topics as a template value (tags are not editable).
    topics: Value,
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
        let topics = topics_of(&posts);
        let entries: Vec<Arc<Entry>> = posts.into_iter().map(|p| Arc::new(Entry::new(p))).collect();
        let values: Vec<Value> = entries
            .iter()
            .map(|e| Value::from_object(PostObject(e.clone())))
            .collect();
        let list = values.iter().cloned().collect();
        let topics = topics
            .into_iter()
            .map(|t| {
                let mut map = Map::default();
                map.insert(Arc::from("name"), Value::from(t.name));
                map.insert(Arc::from("count"), Value::from(t.count));
                Value::from(map)
            })
            .collect();
        Blog {
            entries,
            values,
            list,
            topics,
        }
    }

    /// The post at `index` (of [`posts`](Self::posts)) as a template value:
    /// a [`PostObject`].
    pub fn value(&self, index: usize) -> Value {
        self.values.get(index).cloned().unwrap_or_default()
    }

    /// Every post as a template value, newest first.
    pub fn values(&self) -> Value {
        self.list.clone()
    }

    /// Every post as it is now, newest first.
    pub fn posts(&self) -> Vec<Post> {
        self.entries
            .iter()
            .map(|e| e.current().post.clone())
            .collect()
    }

    /// The number of posts.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no posts.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The position of the post named `slug` in [`posts`](Self::posts).
    pub fn position(&self, slug: &str) -> Option<usize> {
        self.entries.iter().position(|e| e.slug == slug)
    }

    /// The post named `slug` as it is now.
    pub fn post(&self, slug: &str) -> Option<Post> {
        let i = self.position(slug)?;
        Some(self.entries[i].current().post.clone())
    }

    /// The post named `slug` with its newer and older neighbours, as
    /// template values.
    pub fn post_values(&self, slug: &str) -> Option<(Value, Option<Value>, Option<Value>)> {
        let i = self.position(slug)?;
        let newer = i.checked_sub(1).map(|j| self.value(j));
        let older = (i + 1 < self.values.len()).then(|| self.value(i + 1));
        Some((self.value(i), newer, older))
    }

    /// The posts tagged `tag` as template values, newest first.
    pub fn tagged(&self, tag: &str) -> Vec<Value> {
        self.entries
            .iter()
            .zip(&self.values)
            .filter(|(e, _)| e.current().post.tags.contains(&tag))
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Every tag with its post count, by name.
    pub fn topics(&self) -> Vec<Topic> {
        topics_of(&self.posts())
    }

    /// The topics as a template value: a list of `{name, count}` maps.
    pub fn topics_value(&self) -> Value {
        self.topics.clone()
    }

    /// Edits the post named `slug`; `false` when there is none. Pages
    /// rendered from now on show the edit, except fragments cached before
    /// it: expire `post:<slug>` afterwards (the site's admin endpoint does).
    pub fn edit(&self, slug: &str, edit: &Edit) -> bool {
        let Some(i) = self.position(slug) else {
            return false;
        };
        let entry = &self.entries[i];
        let mut current = entry.current.write().unwrap_or_else(|e| e.into_inner());
        let mut post = current.post.clone();
        if let Some(title) = &edit.title {
            post.title.clone_from(title);
        }
        if let Some(summary) = &edit.summary {
            post.summary.clone_from(summary);
        }
        *current = Arc::new(Version {
            fields: post.fields(),
            post,
        });
        true
    }
}

/// Every tag of `posts` with its post count, by name.
fn topics_of(posts: &[Post]) -> Vec<Topic> {
    let mut topics: Vec<Topic> = Vec::new();
    for tag in posts.iter().flat_map(|p| p.tags.iter()) {
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

impl Blog {
    /// The sample blog the example site serves.
    pub fn sample() -> Blog {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        Blog::new(vec![
            Post {
                slug: "hello-platen",
                title: "Hello, platen".into(),
                author: "Ada",
                date: date(2025, 1, 14),
                tags: &["news", "templates"],
                summary: "Why a Rust web stack might want Django's template system, and what this site is made of.".into(),
                body: &[
                    "This blog is served by platen, a template platform for Rust shaped like Django's. The pages you read are Django templates, rendered by platen's own engine, compiled once and shared by every request.",
                    "The settings file names two engines side by side: the Django Template Language for the blog itself, and Handlebars for the about page. A page asks for a template by name; the first engine that has it renders it.",
                    "Everything else is plain tower: a hyper server, a layer that renders template responses on the way out, and a static file service for the stylesheet.",
                ],
            },
            Post {
                slug: "template-inheritance",
                title: "Template inheritance, one block at a time".into(),
                author: "Grace",
                date: date(2025, 2, 3),
                tags: &["templates", "dtl"],
                summary: "A base layout, blocks that pages fill in, and includes for the pieces that repeat.".into(),
                body: &[
                    "Every page of this site extends base.html. The base layout holds the header, the footer and the stylesheet link; a page fills in its title and content blocks and nothing else.",
                    "The header, the footer and each post card on the front page are includes: small templates rendered where they are named, with the context of the page around them.",
                    "Because compiled templates are immutable, the block stack of an inheritance chain lives in the render's own state. Two requests rendering the same page at once never see each other's blocks.",
                ],
            },
            Post {
                slug: "escaping-script-tags",
                title: "Escaping <script> tags, automatically".into(),
                author: "Ada",
                date: date(2025, 3, 21),
                tags: &["security", "dtl"],
                summary: "Autoescaping is on by default: this post's title has a <script> tag in it, and you can read it.".into(),
                body: &[
                    "The title of this post contains a literal <script> tag. The template prints it with {{ post.title }}, and the engine escapes it, so the browser shows the text instead of running it.",
                    "Values a template should print as HTML are marked safe explicitly, in Rust or with the safe filter. Anything else is escaped, as in Django.",
                ],
            },
            Post {
                slug: "custom-filters-and-tags",
                title: "A filter and a tag of our own".into(),
                author: "Linus",
                date: date(2025, 4, 9),
                tags: &["dtl", "rust"],
                summary: "The reading time under each title is a custom filter; the tag links are an inclusion tag.".into(),
                body: &[
                    "The blog library of this site is written in Rust. It has one filter, reading_time, which counts the words of a post and prints how long it takes to read, and one inclusion tag, tag_links, which renders the list of a post's topics with its own small template.",
                    "Templates load it with {% load blog %}, exactly as a Django app's templatetags module is loaded.",
                    "Links are reversed with {% url %} from the site's route table, so a template never spells out a path: renaming a route changes every link at once, and a wrong route name is an error, not a broken link.",
                ],
            },
            Post {
                slug: "when-pages-fail",
                title: "When a page fails to render".into(),
                author: "Grace",
                date: date(2025, 5, 30),
                tags: &["errors", "dtl"],
                summary: "A 404 page for unknown addresses, a 500 page for templates that fail, and a debug page while you develop.".into(),
                body: &[
                    "Ask for an address the site does not have and you get its 404 page. Visit the broken page and a template error happens while rendering: in production you see the site's 500 page, with the details in the server log and no file path shown.",
                    "Start the site with PLATEN_DEBUG=true and the same error shows Django's technical page instead: the template, the line, the source with the error marked, and the context's names.",
                ],
            },
        ])
    }
}
