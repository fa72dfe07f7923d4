"""Renders Django's own templates with Django itself, for the differential
test `engines/dtl/tests/django_differential.rs`.

Usage: python3 render_cases.py DJANGO_PACKAGE_DIR

DJANGO_PACKAGE_DIR is the `django/` directory of an unpacked wheel whose
parent directory also holds `asgiref` and `sqlparse` (what
`.ci/django-templates` unpacks). Prints one JSON document on stdout: a list
of cases, each `{"name", "template", "context", "autoescape", "output"}`.
`output` is what Django rendered; `context` is the exact context Django
rendered it with, encoded as tagged JSON (see `encode`) so that the Rust
side can build the same values; `autoescape` is the context's setting.

The contexts come from Django's own code paths, not from hand-made dicts:
`ExceptionReporter.get_traceback_data()` for real raised exceptions, the
views that render the other pages of `django/views/templates`, the sitemap
views for real `Sitemap` classes, the form renderer for real forms and
formsets, and `Widget.get_context()` for form widgets. Where Django builds
the context inside a view or a renderer, the template's `render` is wrapped
to record the context it was given.

This is a test-time tool only; nothing here is shipped.
"""

import collections.abc
import datetime
import decimal
import json
import os
import sys
import types
from zoneinfo import ZoneInfo

if sys.version_info < (3, 10):  # Django 5.2's minimum; the test skips on exit code 3
    print(f"Python {sys.version.split()[0]} is older than Django 5.2 needs (3.10)", file=sys.stderr)
    sys.exit(3)

django_dir = os.path.abspath(sys.argv[1])
sys.path.insert(0, os.path.dirname(django_dir))

try:
    import asgiref  # noqa: F401  (Django's dependencies)
    import django
    import sqlparse  # noqa: F401
except ImportError as e:  # the test skips on this exit code
    print(f"{e} (sys.path[0] = {sys.path[0]})", file=sys.stderr)
    sys.exit(3)
from django.conf import settings  # noqa: E402

TEMPLATE_DIRS = [
    os.path.join(django_dir, "forms/templates"),
    os.path.join(django_dir, "views/templates"),
    os.path.join(django_dir, "contrib/sitemaps/templates"),
]

settings.configure(
    DEBUG=True,
    SECRET_KEY="not-a-secret-platen-differential-test",
    ROOT_URLCONF="platen_urls",
    ALLOWED_HOSTS=["testserver", "example.com"],
    INSTALLED_APPS=["django.contrib.sitemaps"],
    MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
    LANGUAGE_CODE="en",
    USE_I18N=True,
    # The settings platen-dtl renders under (COMPATIBILITY.md, "l10n and tz").
    TIME_ZONE="America/Chicago",
    USE_TZ=False,
    # Settings of a project's own: a callable, a nested dict with a secret
    # (shown as stars) and a tuple.
    PLATEN_HOOK=len,
    PLATEN_SERVICE={"url": "https://api.example.com/v1/", "API_KEY": "s3cr3t", "retries": 3},
    PLATEN_FLAGS=("fast", "safe"),
    TEMPLATES=[
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": TEMPLATE_DIRS,
            "APP_DIRS": False,
        }
    ],
)
django.setup()

from django import forms  # noqa: E402
from django.contrib.sitemaps import Sitemap  # noqa: E402
from django.contrib.sitemaps import views as sitemap_views  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.forms.formsets import BaseFormSet  # noqa: E402
from django.forms.renderers import BaseRenderer, get_default_renderer  # noqa: E402
from django.http import Http404  # noqa: E402
from django.template import Context, Engine, TemplateDoesNotExist  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.urls import path, resolve  # noqa: E402
from django.utils.functional import Promise  # noqa: E402
from django.utils.safestring import SafeData  # noqa: E402
from django.middleware import csrf as csrf_middleware  # noqa: E402
from django.utils import translation  # noqa: E402
from django.views import csrf, debug, i18n, static  # noqa: E402


# --- Encoding a context as tagged JSON ---------------------------------------
#
# Plain JSON for None, bools, ints, floats, strings and lists. Tagged objects
# (the same tags as the conformance cases, plus three of this harness):
#   {"__safe__": s}                    a SafeString
#   {"__date__"|"__time__": iso}       date, time
#   {"__datetime__": iso[, "tz": name]} naive or aware datetime
#   {"__decimal__": s}                 Decimal
#   {"__map__": [[key, value], ...]}   a dict (keeps its order)
#   {"__tuple__": [...], "repr": r}    a tuple: a sequence printed as Python does
#   {"__object__": {"__map__": ...}, "str": s, "repr": r, "true": b,
#    "safe": b, "id": n[, "items": [...]]}
#       any other object: the attributes the templates read (ATTRS), its
#       str() and repr(), its truthiness, whether it is safe HTML
#       (`__html__`), its identity (the same object seen twice decodes to the
#       same value, for `{% ifchanged %}`) and, for a sequence of its own
#       type (ErrorList, a formset), its items.

# The attributes the templates read, per type. A method the template calls
# without arguments is recorded as its result.
ATTRS = [
    ("django.http.request.HttpRequest", ["path_info", "path", "method", "META", "GET", "POST", "FILES", "COOKIES", "build_absolute_uri"]),
    ("django.template.exceptions.TemplateDoesNotExist", ["backend", "tried"]),
    ("django.template.backends.base.BaseEngine", ["name"]),
    ("django.template.base.Origin", ["name", "template_name", "loader_name"]),
    ("django.urls.resolvers.URLPattern", ["pattern", "name"]),
    ("django.urls.resolvers.URLResolver", ["pattern", "app_name", "namespace"]),
    ("django.contrib.sitemaps.views.SitemapIndexItem", ["location", "last_mod"]),
    ("django.forms.boundfield.BoundField", [
        "name", "html_name", "auto_id", "id_for_label", "label", "help_text", "errors", "is_hidden",
        "use_fieldset", "aria_describedby", "css_classes", "label_tag", "legend_tag", "as_field_group",
    ]),
    ("django.forms.utils.ErrorList", ["field_id", "error_class"]),
    ("django.forms.forms.BaseForm", ["as_div", "as_p", "as_table", "as_ul"]),
    ("django.forms.formsets.BaseFormSet", ["management_form"]),
]


def _cls(dotted):
    module, _, name = dotted.rpartition(".")
    return getattr(__import__(module, fromlist=[name]), name)


ATTRS = [(_cls(c), names) for c, names in ATTRS]


ALIVE = []
ENCODED = {}  # id() -> the object's encoding, for one `encode_context`
ENCODING = [False]  # renders while encoding are Django computing attributes


def encode_context(context):
    """A context's encoding (`encode`), computed with the recorders off."""
    ENCODING[0] = True
    try:
        return encode(context)
    finally:
        ENCODING[0] = False
        ENCODED.clear()


def encode(v):
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        return {"__float__": "nan" if v != v else ("inf" if v > 0 else "-inf")}
    if v is None or isinstance(v, (bool, int, float)):
        return v
    if isinstance(v, Promise):  # a lazy translation
        v = str(v)
    if isinstance(v, str):
        return {"__safe__": str(v)} if isinstance(v, SafeData) else str(v)
    if isinstance(v, datetime.datetime):
        if v.tzinfo is None:
            return {"__datetime__": v.isoformat()}
        return {"__datetime__": v.isoformat(), "tz": v.tzname()}
    if isinstance(v, datetime.date):
        return {"__date__": v.isoformat()}
    if isinstance(v, datetime.time):
        return {"__time__": v.isoformat()}
    if isinstance(v, decimal.Decimal):
        return {"__decimal__": str(v)}
    if type(v) is list:
        return [encode(x) for x in v]
    if type(v) is tuple:
        return {"__tuple__": [encode(x) for x in v], "repr": repr(v)}
    if isinstance(v, dict) and type(v) is dict:
        return {"__map__": [[str(k), encode(x)] for k, x in v.items()]}
    if isinstance(v, type({}.items())):
        return [{"__tuple__": [encode(k), encode(x)], "repr": repr((k, x))} for k, x in v]
    if id(v) in ENCODED:
        return ENCODED[id(v)]
    attrs = []
    for cls, names in ATTRS:
        if isinstance(v, cls):
            for name in names:
                a = getattr(v, name)
                attrs.append([name, encode(a() if callable(a) else a)])
            break
    else:
        if isinstance(v, dict):  # QueryDict, MultiValueDict: the last value per key
            attrs = [[str(k), encode(x)] for k, x in v.items()]
    ALIVE.append(v)  # so that no other object gets its id() later
    encoded = {
        "__object__": {"__map__": attrs},
        "str": str(v),
        "repr": repr(v),
        "true": bool(v),
        "safe": hasattr(v, "__html__"),  # what conditional_escape() leaves alone
        "id": id(v),
    }
    if isinstance(v, (list, tuple, BaseFormSet)):  # a sequence of a type of its own
        encoded["items"] = [encode(x) for x in v]
    ENCODED[id(v)] = encoded
    return encoded


# --- Recording the context a view renders with -------------------------------


def record(fn):
    """Calls `fn` with every `Engine.from_string` template recording the
    context of its render (the dicts pushed on Django's builtins), encoded
    before Django renders it. Returns (fn's result, (context, autoescape)) for
    the last render. A one-shot iterator in the context (`QueryDict.items()`)
    is recorded as a list and handed to Django as a fresh iterator over the
    same items."""
    contexts = []
    real_from_string = Engine.from_string

    class Recorded:
        def __init__(self, template):
            self.template = template

        def render(self, context):
            flat = {}
            for d in context.dicts[1:]:
                for k, v in d.items():
                    if isinstance(v, collections.abc.Iterator):
                        v = list(v)
                        d[k] = iter(v)
                    flat[k] = v
            contexts.append((encode_context(flat), context.autoescape))
            return self.template.render(context)

    Engine.from_string = lambda self, source: Recorded(real_from_string(self, source))
    try:
        out = fn()
    finally:
        Engine.from_string = real_from_string
    return out, contexts[-1]


cases = []
SEEN = set()


def add(name, template, context, output, autoescape=True):
    """One case; `context` is already encoded. A case seen before (the same
    template, context and output) is left out."""
    key = json.dumps([template, context, output])
    if key in SEEN:
        return
    SEEN.add(key)
    cases.append({"name": name, "template": template, "context": context, "autoescape": autoescape, "output": output})


# --- A URLconf, with the sitemaps -------------------------------------------


def view(request):
    raise Http404("no such item")


urls = types.ModuleType("platen_urls")
sys.modules["platen_urls"] = urls


class Item:
    def __init__(self, slug, lastmod):
        self.slug = slug
        self.lastmod = lastmod

    def __repr__(self):
        return f"<Item {self.slug}>"


class Articles(Sitemap):
    changefreq = "weekly"
    priority = 0.8
    i18n = True
    languages = ["en", "de", "fr"]
    alternates = True
    x_default = True

    def items(self):
        return [
            Item("first", datetime.datetime(2024, 2, 29, 23, 59, 1)),
            Item("second", datetime.datetime(2023, 12, 31, 0, 0)),
        ]

    def location(self, item):
        from django.utils.translation import get_language

        return f"/{get_language()}/articles/{item.slug}/"

    def lastmod(self, item):
        return item.lastmod


class Pages(Sitemap):
    limit = 1  # one page per item: the index lists `?p=2`

    def items(self):
        return ["about", "contact & help"]

    def location(self, item):
        return f"/{item}/"

    def priority(self, item):
        return decimal.Decimal("0.5") if item == "about" else None


class Dated(Sitemap):
    changefreq = "daily"

    def items(self):
        return [Item("news", datetime.date(2024, 5, 6))]

    def location(self, item):
        return f"/{item.slug}/"

    def lastmod(self, item):
        return item.lastmod


class Zoned(Sitemap):
    def items(self):
        return [
            Item("berlin", datetime.datetime(2024, 3, 10, 8, 0, tzinfo=ZoneInfo("Europe/Berlin"))),
            Item("utc", datetime.datetime(2024, 3, 9, 23, 30, 15, tzinfo=datetime.timezone.utc)),
        ]

    def location(self, item):
        return f"/zoned/{item.slug}/"

    def lastmod(self, item):
        return item.lastmod


SITEMAPS = {"articles": Articles, "pages": Pages, "dated": Dated, "zoned": Zoned}

urls.urlpatterns = [
    path("sitemap.xml", sitemap_views.index, {"sitemaps": SITEMAPS}),
    path("sitemap-<section>.xml", sitemap_views.sitemap, {"sitemaps": SITEMAPS}, name="django.contrib.sitemaps.views.sitemap"),
    path("items/<int:pk>/", view, name="item-detail"),
    path("raises404/", view),
]


# --- Technical 500 ------------------------------------------------------------

factory = RequestFactory()


def report(name, exc_info, request=None, is_email=False):
    reporter = debug.ExceptionReporter(request, *exc_info, is_email=is_email)
    html, (ctx, autoescape) = record(reporter.get_traceback_html)
    add(f"technical_500.html: {name}", "technical_500.html", ctx, html, autoescape)
    text, (ctx, autoescape) = record(reporter.get_traceback_text)
    add(f"technical_500.txt: {name}", "technical_500.txt", ctx, text, autoescape)


def raised(fn):
    try:
        fn()
    except BaseException:
        return sys.exc_info()
    raise AssertionError("did not raise")


def plain_error():
    numbers = [1, 2, 3]
    label = "<b>total</b> & more"
    return numbers[len(label)]


def chained_error():
    try:
        {"a": 1}["missing"]
    except KeyError as e:
        raise ValueError("could not read 'missing'") from e


def handled_error():
    try:
        int("x")
    except ValueError:
        raise RuntimeError("while handling")


def unicode_error():
    b"caf\xe9 au lait".decode("utf-8")


def noted_error():
    e = TypeError("bad <type>")
    e.add_note("first note")
    e.add_note("second & last")
    raise e


def syntax_error():
    engine = Engine(debug=True, loaders=[("django.template.loaders.locmem.Loader", {
        "page.html": "<h1>{{ title }}</h1>\n{% for x in items %}\n  <li>{{ x }}</li>\n{% endfor %}\n"
                     "{% if x %}\n{% bogus_tag 1 2 %}\n{% endif %}\n<p>end</p>\n",
    })])
    engine.get_template("page.html")


class Exploding:
    def explode(self):
        return 1 / 0


def render_error():
    """An exception raised while a long template renders (the source lines
    shown are cut at the top and the bottom)."""
    lines = [f"<p>line {n}: {{{{ n }}}}</p>" for n in range(1, 31)]
    lines[19] = "<p>{{ obj.explode }} & {% include 'missing.html' %}</p>"
    engine = Engine(debug=True, loaders=[("django.template.loaders.locmem.Loader", {"long.html": "\n".join(lines)})])
    engine.get_template("long.html").render(django.template.Context({"obj": Exploding(), "n": 7}))


def include_missing():
    engine = Engine(debug=True, loaders=[("django.template.loaders.locmem.Loader", {
        "inner.html": "<div>\n  {% include name %}\n</div>\n",
    })])
    engine.get_template("inner.html").render(django.template.Context({"name": "partials/card.html"}))


def missing_template():
    from django.template import loader

    loader.select_template(["missing/first.html", "missing/second.html"])


def missing_no_engines():
    raise TemplateDoesNotExist("nowhere.html")


get_request = factory.get(
    "/items/7/?q=<tea>&page=2&page=3&empty=",
    HTTP_COOKIE="sessionid=abc123; theme=dark",
    HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    HTTP_ACCEPT="text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
)
post_request = factory.post(
    "/upload/",
    data={
        "name": "Ann & Bob",
        "password": "hunter2",
        "comment": "A first line that is long enough to be wrapped by pprint, because it has many words.\r\n"
                   "Second line.\n\nA_very_long_word_without_any_spaces_that_pprint_cannot_break_anywhere_at_all_really!", "file": SimpleUploadedFile("notes.txt", b"hello", "text/plain")},
    HTTP_COOKIE="csrftoken=tok; lang=de",
)

report("plain exception with a GET request and cookies", raised(plain_error), get_request)
report("chained exceptions with a POST request and a file", raised(chained_error), post_request)
report("exception raised while handling another, no request", raised(handled_error))
report("unicode error hint", raised(unicode_error), get_request)
report("exception notes", raised(noted_error))
report("template syntax error", raised(syntax_error), get_request)
report("exception while rendering a long template", raised(render_error), get_request)
report("include of a missing template", raised(include_missing), get_request)
report("template does not exist, with postmortem", raised(missing_template), get_request)
report("template does not exist, no engines", raised(missing_no_engines))
report("for e-mail", raised(chained_error), post_request, is_email=True)
report("no exception", (None, None, None), get_request)
report("for e-mail, no request", raised(plain_error), is_email=True)


# --- Technical 404 ------------------------------------------------------------


for url, name in [("/nowhere/", "unmatched path"), ("/raises404/", "view raised Http404")]:
    request = factory.get(url)
    try:
        match = resolve(url)
        match.func(request)
        raise AssertionError("no 404")
    except Http404 as e:
        response, (ctx, autoescape) = record(lambda: debug.technical_404_response(request, e))
    add(f"technical_404.html: {name}", "technical_404.html", ctx, response.content.decode(), autoescape)


# --- The other pages of django/views/templates -------------------------------

response, (ctx, autoescape) = record(lambda: debug.default_urlconf(factory.get("/")))
add("default_urlconf.html", "default_urlconf.html", ctx, response.content.decode(), autoescape)

for reason in [csrf_middleware.REASON_NO_REFERER, csrf_middleware.REASON_NO_CSRF_COOKIE, "CSRF token from POST incorrect <&>."]:
    response, (ctx, autoescape) = record(lambda: csrf.csrf_failure(factory.post("/form/"), reason))
    add(f"csrf_403.html: {reason}", "csrf_403.html", ctx, response.content.decode(), autoescape)

response, (ctx, autoescape) = record(
    lambda: static.serve(factory.get("/static/"), "", document_root=TEMPLATE_DIRS[1], show_indexes=True)
)
add("directory_index.html", "directory_index.html", ctx, response.content.decode(), autoescape)

for language in ["en", "de"]:  # "de": a real catalogue, with plural forms
    with translation.override(language):
        response, (ctx, autoescape) = record(lambda: i18n.JavaScriptCatalog.as_view()(factory.get("/jsi18n/")))
    add(f"i18n_catalog.js: {language}", "i18n_catalog.js", ctx, response.content.decode(), autoescape)


# --- Sitemaps -----------------------------------------------------------------

for url in [
    "/sitemap.xml",
    "/sitemap-articles.xml",
    "/sitemap-pages.xml",
    "/sitemap-pages.xml?p=2",
    "/sitemap-dated.xml",
    "/sitemap-zoned.xml",
]:
    match = resolve(url.partition("?")[0])
    response = match.func(factory.get(url), *match.args, **match.kwargs)
    template = response.template_name
    template = template if isinstance(template, str) else template[0]
    response.render()
    add(f"{template}: {url}", template, encode_context(response.context_data), response.content.decode())


# --- Form widgets -------------------------------------------------------------

CHOICES = [("J", "John"), ("P", "Paul & <Pete>"), ("Group \"1\"", [("g1", "Inner 1"), ("g2", "Inner 2")])]
WIDGETS = [
    ("text", forms.TextInput(attrs={"class": "fun", "required": True, "disabled": False}), "email", "a \"quoted\" & value"),
    ("number", forms.NumberInput(), "age", 42),
    ("checkbox", forms.CheckboxInput(), "is_cool", True),
    ("textarea", forms.Textarea(), "msg", "line 1\n<line 2>"),
    ("select", forms.Select(choices=CHOICES), "beatle", "g2"),
    ("select multiple", forms.SelectMultiple(choices=CHOICES), "beatles", ["J", "g1"]),
    ("radio", forms.RadioSelect(choices=CHOICES, attrs={"id": "media"}), "beatle", "P"),
    ("checkbox select", forms.CheckboxSelectMultiple(choices=CHOICES), "beatles", ["P"]),
    ("date", forms.DateInput(), "when", datetime.date(2024, 2, 29)),
    ("split datetime", forms.SplitDateTimeWidget(), "when", datetime.datetime(2024, 2, 29, 13, 5)),
    ("clearable file", forms.ClearableFileInput(), "upload", None),
]
renderer = get_default_renderer()
for label, widget, name, value in WIDGETS:
    # `Widget.render()` strips the template's output; the template's own
    # output is what is compared.
    ctx = widget.get_context(name, value, {})
    output = renderer.get_template(widget.template_name).render(ctx)
    assert output.strip() == widget.render(name, value)
    add(f"{widget.template_name}: {label}", widget.template_name, encode_context(ctx), output)


# --- Forms, formsets, their fields, labels and errors -------------------------


def record_forms(label, fn):
    """Calls `fn` with the form renderer recording every template it renders
    (forms, fields, labels, errors, widgets) as a case."""
    real_render = BaseRenderer.render

    def render(self, template_name, context, request=None):
        if ENCODING[0]:
            return real_render(self, template_name, context, request)
        encoded = encode_context(context)
        output = self.get_template(template_name).render(context, request=request)
        add(f"{template_name}: {label}", template_name, encoded, output)
        return output.strip()  # as BaseRenderer.render does

    BaseRenderer.render = render
    try:
        fn()
    finally:
        BaseRenderer.render = real_render


class ContactForm(forms.Form):
    name = forms.CharField(max_length=20, help_text="Your <b>full</b> name.")
    email = forms.EmailField(label="E-mail & more")
    topic = forms.ChoiceField(choices=[("a", "Apples"), ("b", "Bananas")], widget=forms.RadioSelect)
    agree = forms.BooleanField(required=False)
    token = forms.CharField(widget=forms.HiddenInput)

    def clean(self):
        raise forms.ValidationError("Something is off <here>.")


bound = ContactForm({"name": "x" * 30, "email": "not-an-email", "topic": "c"}, auto_id="id_%s")
ArticleFormSet = forms.formset_factory(forms.Form, extra=2)
record_forms("an unbound form", lambda: ContactForm().as_div())
for style in ["as_div", "as_p", "as_table", "as_ul"]:
    record_forms(f"a bound form with errors, {style}", getattr(bound, style))
record_forms("the error dict", lambda: (bound.errors.as_ul(), bound.errors.as_text()))
record_forms("an error list as text", lambda: bound["email"].errors.as_text())
record_forms("a formset", lambda: ArticleFormSet().as_div())


# --- Small templates, for the edges of filters, tags and attributes ----------
#
# Each source is rendered with each value as `v` (and `w`, the value a few
# places on, `n` an int) by an Engine with Django's default options; the
# case carries the source itself (`"source"`), not a template name.

import datetime as _dt  # noqa: E402
import decimal as _dec  # noqa: E402

from django.utils.safestring import mark_safe  # noqa: E402

SNIPPET_VALUES = [
    0, 1, -1, 7, 2**64 - 1, 1.5, -0.0, 2.5, 1e20, 1e-7, float("inf"), "", "abc", "Hello World",
    "<b>x</b> & 'q'", "  spaced  ", "ÀÉ ünïcode Straße", "123", "-5", "1.5", "line1\nline2",
    mark_safe("<i>safe</i>"), [], [1, 2, 3], ["a", "<b>", "c"], {"a": 1, "b": "x"}, None, True,
    False, _dec.Decimal("1.235"), _dt.date(2024, 2, 29), _dt.datetime(2008, 1, 1, 13, 5, 9),
    _dt.datetime(2024, 7, 4, 0, 0, 0, 250), _dt.time(0, 1, 0), _dt.time(23, 59, 59, 999999),
]
SNIPPETS = [
    # (center's odd space moved between Django 5.2 and 6: even widths only.)
    "[{{ v|center:8 }}][{{ v|ljust:4 }}][{{ v|rjust:4 }}]",
    "{{ v|center:10000000000000000000000 }}",
    "{{ v|floatformat:2000055 }}",
    "[{{ v|stringformat:'5s' }}][{{ v|stringformat:'-6d' }}][{{ v|stringformat:'08.2f' }}]",
    "{{ v|stringformat:'.99999999999f' }}",
    "[{{ v|date:0 }}][{{ v|date:'xe' }}][{{ v|time:0 }}][{{ v|time:'xZ' }}][{{ v|date:'x\\Y' }}]",
    "{{ v|dictsort:'' }}",
    "{{ v|date:'r' }}",
    "[{{ v|yesno:n }}][{{ v|yesno:w }}]",
    "[{{ v|urlencode:0 }}]",
    # Counts past 19 words or one paragraph add random text: n is at most
    # len(SNIPPET_VALUES) - 4.
    "{%% lorem n|add:-%d w %%}" % (len(SNIPPET_VALUES) - 4 - 19),
    "[{%% lorem n|add:-%d p %%}]" % (len(SNIPPET_VALUES) - 4 - 1),
    "{% lorem 1 b %}|{% lorem -2 p %}",
    "{{ v.title }}|{{ v.split }}|{{ v.capitalize }}|{{ v.swapcase }}|{{ v.casefold }}|{{ v.lstrip }}",
    "{{ v.isalpha }}|{{ v.isalnum }}|{{ v.isspace }}|{{ v.islower }}|{{ v.isupper }}|{{ v.isascii }}",
    # (An int past i64 is a Decimal here, which has neither bit_length nor
    # numerator: the unit tests cover those.)
    "{{ v.real }}|{{ v.imag }}|{{ v.is_integer }}",
    "{{ v.year }}|{{ v.month }}|{{ v.day }}|{{ v.weekday }}|{{ v.isoweekday }}|{{ v.toordinal }}",
    "{{ v.hour }}|{{ v.minute }}|{{ v.second }}|{{ v.microsecond }}|{{ v.isoformat }}|{{ v.date }}|{{ v.time }}",
    "{% widthratio v 10 100 %}|{% widthratio 5 v 100 %}|{% widthratio v w 7 as x %}[{{ x }}]",
    "{{ v|get_digit:n }}|{{ v|add:w }}|{{ v|slice:n }}|{{ v|truncatechars:n }}",
    "{% load humanize %}{{ v|ordinal }}|{{ n|ordinal }}|{{ v|apnumber }}|{{ n|apnumber }}",
    "{% load humanize %}{{ v|intcomma }}|{{ v|intword }}|{{ v|floatformat:2|intcomma }}",
    "{% load humanize %}{{ 1000000|intword }}|{{ 1240000000|intword }}|{{ 999999999999|intword }}|{{ -7500000|intword }}|{{ 1234567.891|intcomma }}|{{ '98765x'|intcomma }}",
    "{% load humanize %}{{ v|naturalday }}|{{ v|naturalday:'Y' }}",
    "{{ a1|timesince:a2 }}|{{ a2|timeuntil:a1 }}|{{ v|timesince:a2 }}|{{ v|timeuntil:a1 }}|{{ v|timesince:w }}",
]
snippet_engine = Engine(libraries={
    "i18n": "django.templatetags.i18n",
    "humanize": "django.contrib.humanize.templatetags.humanize",
})
for i, source in enumerate(SNIPPETS):
    template = snippet_engine.from_string(source)
    for j, v in enumerate(SNIPPET_VALUES):
        context = {
            "v": v, "w": SNIPPET_VALUES[(j * 7) % len(SNIPPET_VALUES)], "n": j - 3,
            # Two aware datetimes at different offsets, for timesince/timeuntil.
            "a1": _dt.datetime(2024, 8, 6, 17, 43, tzinfo=_dt.timezone(_dt.timedelta(hours=-6))),
            "a2": _dt.datetime(2024, 12, 6, 20, 40, tzinfo=_dt.timezone.utc),
        }
        try:
            output = template.render(Context(context))
        except Exception as e:  # platen raises too: the case says which class
            output = f"error: {type(e).__name__}"
        cases.append({
            "name": f"snippet {i} with v = {v!r}", "source": source,
            "context": encode_context(context), "autoescape": True, "output": output,
        })


json.dump(cases, sys.stdout, ensure_ascii=False)
