"""Records the expected outputs of engines/dtl/tests/i18n.rs from real Django.

Run with Django 5.2.19 installed (`pip install django==5.2.19`), from this
directory:  python3 record.py > cases.json
Each case renders a template with the catalogues of this directory on
LOCALE_PATHS, in a language (None = nothing activated) and a LANGUAGE_CODE,
with the format settings of its "settings" (Django's names) overridden.
Context values: strings "YYYY-MM-DDTHH:MM" are datetimes, {"$date": ...},
{"$time": ...} and {"$decimal": ...} are dates, times and Decimals.
"django_catalogues" marks the cases whose output needs Django's own
catalogues (month names, filesizeformat, yesno, timesince in a language
other than English): the Rust test runs those with DJANGO_PACKAGE_DIR only.
The .mo files are compiled from the .po files beside them with GNU gettext:
for f in */LC_MESSAGES/django.po; do msgfmt -o "${f%.po}.mo" "$f"; done
"""
import datetime, decimal, json, os, sys
import django
from django.conf import settings

HERE = os.path.dirname(os.path.abspath(__file__))
settings.configure(USE_I18N=True, LANGUAGE_CODE="en-us", LOCALE_PATHS=[HERE], INSTALLED_APPS=[])
django.setup()
from django.template import Context, Engine
from django.test.utils import override_settings
from django.utils import formats, translation
from django.utils.translation import trans_real

T = lambda tpl, ctx=None, lang=None, code="en-us", settings=None: {"template": tpl, "context": ctx or {}, "language": lang, "language_code": code, "settings": settings or {}}
L = "{% load i18n %}"
CASES = []
for lang in [None, "de", "de-at", "pt-br", "ru", "fr", "en", "xx", "de-ch"]:
    CASES += [
        T(L + '{% translate "Hello" %}|{% trans "Only German" %}|{% translate "Missing" %}', lang=lang),
        T(L + '{% get_current_language as L %}{{ L }}|{% get_current_language_bidi as B %}{{ B }}', lang=lang),
        T(L + '{% blocktranslate count counter=n %}{{ counter }} apple{% plural %}{{ counter }} apples{% endblocktranslate %}', {"n": 1}, lang),
        T(L + '{% blocktranslate count counter=n %}{{ counter }} apple{% plural %}{{ counter }} apples{% endblocktranslate %}', {"n": 3}, lang),
        T(L + '{% blocktranslate count counter=n %}{{ counter }} apple{% plural %}{{ counter }} apples{% endblocktranslate %}', {"n": 22}, lang),
        T(L + '{% blocktranslate count counter=n %}{{ counter }} apple{% plural %}{{ counter }} apples{% endblocktranslate %}', {"n": 0}, lang),
        T(L + '{{ _("Hello") }}|{{ "x"|default:_("Only German") }}|{{ ""|default:_("Hello") }}', lang=lang),
    ]
CASES += [
    T(L + '{% translate "<b>Bold</b> & co" %}|{% translate "<b>Bold</b> & co" as v %}{{ v }}', lang="de"),
    T(L + '{% translate s %}|{% translate s as v %}{{ v }}', {"s": "<b>Bold</b> & co"}, lang="de"),
    T(L + '{% autoescape off %}{% translate s %}|{% translate s as v %}{{ v }}{% endautoescape %}', {"s": "<b>Bold</b> & co"}, lang="de"),
    T(L + '{% translate "100% sure" %}|{% translate "100%% sure" %}|{{ _("100% sure") }}|{% translate "100% sure" noop %}', lang="de"),
    T(L + '{% blocktranslate %}100% sure{% endblocktranslate %}|{% blocktranslate %}100%% sure{% endblocktranslate %}', lang="de"),
    T(L + '{% translate "May" context "month" %}|{% translate "May" context "verb" %}|{% translate "May" context "other" %}|{% translate "May" %}', lang="de"),
    T(L + '{% translate "May" context c %}|{% translate "May" context missing %}', {"c": "verb"}, lang="de"),
    T(L + '{% translate "Hello" noop %}|{% translate "Hello"|upper %}|{% translate "Hello" as h %}{{ h|lower }}', lang="de"),
    T(L + '{% blocktranslate with name=n %}Hello {{ name }}{% endblocktranslate %}', {"n": "<Ann>"}, lang="de"),
    T(L + '{% blocktranslate with name=n asvar v %}Hello {{ name }}{% endblocktranslate %}[{{ v }}]', {"n": "<Ann>"}, lang="de"),
    T(L + '{% blocktranslate with name=n %}Broken {{ name }}{% endblocktranslate %}', {"n": "Ann"}, lang="de"),
    T(L + '{% blocktranslate trimmed %}\n  Trimmed line one\n    and two\n{% endblocktranslate %}', lang="de"),
    T(L + '{% blocktranslate context "fruit" count counter=n %}{{ counter }} apple{% plural %}{{ counter }} apples{% endblocktranslate %}', {"n": 2}, lang="de"),
    T(L + '{% blocktranslate context "nothing" count counter=n %}{{ counter }} apple{% plural %}{{ counter }} apples{% endblocktranslate %}', {"n": 2}, lang="de"),
    T(L + '{% blocktranslate context "month" %}May{% endblocktranslate %}|{% blocktranslate context "nothing" %}May{% endblocktranslate %}', lang="de"),
    T(L + '{% blocktranslate count counter=n with name=who %}{{ name }} has {{ counter }} item{% plural %}{{ name }} has {{ counter }} items{% endblocktranslate %}', {"n": 1, "who": "Bo"}, lang="de"),
    T(L + '{% blocktranslate count counter=n with name=who %}{{ name }} has {{ counter }} item{% plural %}{{ name }} has {{ counter }} items{% endblocktranslate %}', {"n": 5, "who": "Bo"}, lang="de"),
    T(L + '{% blocktranslate count counter=n %}a fraction of an apple{% plural %}fractions of apples{% endblocktranslate %}', {"n": 1.5}, lang="ru"),
    T(L + '{% blocktranslate count counter=n %}a fraction of an apple{% plural %}fractions of apples{% endblocktranslate %}', {"n": 21}, lang="ru"),
    T(L + '{% blocktranslate count counter=n %}a fraction of an apple{% plural %}fractions of apples{% endblocktranslate %}', {"n": 1.5}, lang="de"),
    T(L + '{% blocktranslate count counter=n %}a fraction of an apple{% plural %}fractions of apples{% endblocktranslate %}', {"n": 1}, lang="de"),
    T(L + '{% blocktranslate count counter=n %}{{ counter }} apple{% plural %}{{ counter }} apples{% endblocktranslate %}', {"n": 1.0}, lang="en"),
    T(L + '{% translate "Hello" %}{% language "de" %}[{% translate "Hello" %}{% get_current_language as L %}{{ L }}{% language "pt-BR" %}({% translate "Hello" %}{% get_current_language as L %}{{ L }}){% endlanguage %}]{% endlanguage %}{% translate "Hello" %}'),
    T(L + '{% language "ar" %}{% get_current_language_bidi as B %}{{ B }}{% endlanguage %}|{% language "he-il" %}{% get_current_language_bidi as B %}{{ B }}{% endlanguage %}'),
    T(L + '{% language none %}{% translate "Hello" %}{% get_current_language as L %}[{{ L }}]{% endlanguage %}', {"none": None}, lang="de"),
    T(L + '{% language "" %}{% translate "Hello" %}{% endlanguage %}', lang="de"),
    T(L + '{{ "de"|language_name_translated }}|{{ "fr"|language_name_translated }}|{% get_language_info for "de" as i %}{{ i.name_translated }}|{{ "fr"|language_name_translated }}', lang="de"),
    T(L + '{% translate "Hello" %}|{% translate "Only French" %}|{% translate "Only German" %}', lang="de", code="fr"),
    T(L + '{% translate "Hello" %}|{% translate "Only French" %}|{% get_current_language as L %}{{ L }}', code="fr"),
    T(L + '{% translate "Only French" %}', lang="en-gb", code="fr"),
    T('{{ d|date:"F l a N b D M" }}|{{ t|date:"P" }}|{{ n|date:"P" }}', {"d": "2024-01-03T15:30", "t": "2024-01-03T12:00", "n": "2024-01-03T00:00"}, lang="de"),
    T('{{ d|date:"F l a N b D M E" }}', {"d": "2024-01-03T15:30"}),
    T('{{ d|time:"a P" }}', {"d": "2024-01-03T15:30"}, lang="de"),
    T(L + '{% translate s %}|{% blocktranslate %}{{ s }}{% endblocktranslate %}', {"s": "line\r\nbreak"}, lang="de"),
]

# Localisation formats: numbers, floatformat, dates, {% localize %}, settings.
DEC = lambda t: {"$decimal": t}
NUMS = {"i": 1234567, "neg": -1234567, "small": 999, "f": 1234.5678, "nf": -0.5, "bigf": 1e16, "tiny": 1.5e-7,
        "d": DEC("1234567.891"), "dneg": DEC("-98765.4321"), "dexp": DEC("1E+3"), "dsmall": DEC("0.0001234")}
DATES = {"dt": "2024-03-07T15:05", "date": {"$date": "2024-12-25"}, "time": {"$time": "09:05:30"}}
THOUSANDS = {"USE_THOUSAND_SEPARATOR": True}
N = "{{ i }}|{{ neg }}|{{ small }}|{{ f }}|{{ nf }}|{{ bigf }}|{{ tiny }}|{{ d }}|{{ dneg }}|{{ dexp }}|{{ dsmall }}|{{ True }}"
FF = ('{{ f|floatformat }}|{{ f|floatformat:2 }}|{{ f|floatformat:"2g" }}|{{ f|floatformat:"2u" }}|{{ f|floatformat:"2gu" }}'
      '|{{ f|floatformat:"-3" }}|{{ i|floatformat }}|{{ i|floatformat:"g" }}|{{ i|floatformat:"-2g" }}|{{ d|floatformat:"3g" }}'
      '|{{ dneg|floatformat:"1" }}|{{ nf|floatformat:"g" }}|{{ "1234.5"|floatformat:"2g" }}')
LOC = ("{% load l10n %}{{ f|localize }}|{{ f|unlocalize }}|{{ i|localize }}|{{ i|unlocalize }}|{{ dt|localize }}|{{ dt|unlocalize }}"
       "|{% localize off %}{{ f }}|{{ i }}|{{ d }}|{{ dt }}|{{ date }}|{{ f|floatformat:2 }}{% endlocalize %}"
       "|{% localize on %}{{ i }}|{{ f }}{% endlocalize %}")
DT = ('{{ dt }}|{{ date }}|{{ time }}|{{ dt|date }}|{{ dt|date:"SHORT_DATE_FORMAT" }}|{{ dt|date:"SHORT_DATETIME_FORMAT" }}'
      '|{{ dt|date:"DATETIME_FORMAT" }}|{{ dt|date:"YEAR_MONTH_FORMAT" }}|{{ dt|date:"MONTH_DAY_FORMAT" }}|{{ dt|time }}'
      '|{{ time|time:"TIME_FORMAT" }}|{{ date|date:"DATE_FORMAT" }}|{{ dt|date:"FIRST_DAY_OF_WEEK" }}'
      '|{{ dt|date:"DECIMAL_SEPARATOR" }}|{{ dt|date:"NUMBER_GROUPING" }}|{{ dt|date:"Y-m-d" }}')
WORDS = ('{{ 1536|filesizeformat }}|{{ 1|filesizeformat }}|{{ 5|filesizeformat }}|{{ 5000000000|filesizeformat }}|{{ "x"|filesizeformat }}'
         '|{{ -2048|filesizeformat }}|{{ yes|yesno }}|{{ no|yesno }}|{{ none|yesno }}|{{ yes|yesno:"oui,non" }}'
         '|{{ a|timesince:b }}|{{ b|timeuntil:a }}|{{ a|timesince:a }}|{{ a|timesince:c }}')
WORDS_CTX = {"yes": True, "no": False, "none": None, "a": "2024-01-01T10:00", "b": "2025-03-08T12:30", "c": "2024-01-01T10:01"}
COUNT = L + "{% blocktranslate count counter=n %}{{ counter }} apple{% plural %}{{ counter }} apples{% endblocktranslate %}|{% blocktranslate with x=f %}{{ x }}{% endblocktranslate %}"
for lang in [None, "en", "de", "de-at", "de-ch", "fr", "pt-br", "ja", "en-gb", "ar", "ru", "es", "xx"]:
    for settings_ in [{}, THOUSANDS]:
        CASES += [
            T(N, NUMS, lang, settings=settings_),
            T(FF, NUMS, lang, settings=settings_),
            T(LOC, {**NUMS, **DATES}, lang, settings=settings_),
            T(COUNT, {"n": 1234567, "f": 1234.5}, lang, settings=settings_),
        ]
    CASES += [T(DT, DATES, lang), T(WORDS, WORDS_CTX, lang)]
SEPS = {"DECIMAL_SEPARATOR": "!", "THOUSAND_SEPARATOR": "~", "NUMBER_GROUPING": 2, "USE_THOUSAND_SEPARATOR": True}
FMTS = {"DATE_FORMAT": "Y/m/d", "DATETIME_FORMAT": "Y/m/d H.i", "TIME_FORMAT": "H.i", "SHORT_DATE_FORMAT": "d-m-y",
        "SHORT_DATETIME_FORMAT": "d-m-y H.i", "YEAR_MONTH_FORMAT": "m/Y", "MONTH_DAY_FORMAT": "d/m", "FIRST_DAY_OF_WEEK": 3}
for lang in [None, "de", "xx"]:
    CASES += [
        T(N + "|" + FF, NUMS, lang, settings=SEPS),
        T(LOC, {**NUMS, **DATES}, lang, settings=SEPS),
        T(DT, DATES, lang, settings=FMTS),
        T(LOC, {**NUMS, **DATES}, lang, settings=FMTS),
        T(N + "|" + FF, NUMS, lang, settings={"USE_THOUSAND_SEPARATOR": True, "NUMBER_GROUPING": [3, 2, 0]}),
    ]
CASES += [
    T(L + '{{ f }}|{{ dt }}{% language "de" %}|{{ f }}|{{ dt|date:"SHORT_DATE_FORMAT" }}{% language "fr" %}|{{ f }}{% endlanguage %}{% endlanguage %}|{{ f }}', {**NUMS, **DATES}, code="pt-br"),
    T(L + '{{ f }}|{{ i }}{% language "en" %}|{{ f }}|{{ i }}{% endlanguage %}', NUMS, "de", code="fr", settings=THOUSANDS),
    T(N, NUMS, code="de", settings=THOUSANDS),
    T(DT, DATES, code="ja"),
]

NEEDS_DJANGO = ("date", "time", "filesizeformat", "yesno", "timesince", "timeuntil", "dt", "localize")
for case in CASES:
    english = (case["language"] or case["language_code"]).startswith("en") and case["language_code"].startswith("en")
    case["django_catalogues"] = not english and any(w in case["template"] for w in NEEDS_DJANGO)


def convert(v):
    if isinstance(v, dict) and "$decimal" in v:
        return decimal.Decimal(v["$decimal"])
    if isinstance(v, dict) and "$date" in v:
        return datetime.date.fromisoformat(v["$date"])
    if isinstance(v, dict) and "$time" in v:
        return datetime.time.fromisoformat(v["$time"])
    if isinstance(v, str) and len(v) == 16 and v[4] == "-" and v[10] == "T":
        return datetime.datetime.fromisoformat(v)
    return v

out = []
for case in CASES:
    with override_settings(LANGUAGE_CODE=case["language_code"], **case["settings"]):
        trans_real._translations = {}
        trans_real._default = None
        formats.reset_format_cache()
        engine = Engine(libraries={"i18n": "django.templatetags.i18n", "l10n": "django.templatetags.l10n"})
        ctx = {k: convert(v) for k, v in case["context"].items()}
        try:
            if case["language"]:
                with translation.override(case["language"]):
                    result = {"output": engine.from_string(case["template"]).render(Context(ctx))}
            else:
                translation.deactivate()
                result = {"output": engine.from_string(case["template"]).render(Context(ctx))}
        except Exception as e:
            result = {"error": type(e).__name__ + ": " + str(e)}
    out.append({**case, **result})
json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
print()
