"""Records the expected outputs of engines/dtl/tests/i18n.rs from real Django.

Run with Django 5.2.19 installed (`pip install django==5.2.19`), from this
directory:  python3 record.py > cases.json
Each case renders a template with the catalogues of this directory on
LOCALE_PATHS, in a language (None = nothing activated) and a LANGUAGE_CODE.
The .mo files are compiled from the .po files beside them with GNU gettext:
for f in */LC_MESSAGES/django.po; do msgfmt -o "${f%.po}.mo" "$f"; done
"""
import datetime, json, os, sys
import django
from django.conf import settings

HERE = os.path.dirname(os.path.abspath(__file__))
settings.configure(USE_I18N=True, LANGUAGE_CODE="en-us", LOCALE_PATHS=[HERE], INSTALLED_APPS=[])
django.setup()
from django.template import Context, Engine
from django.test.utils import override_settings
from django.utils import translation
from django.utils.translation import trans_real

T = lambda tpl, ctx=None, lang=None, code="en-us": {"template": tpl, "context": ctx or {}, "language": lang, "language_code": code}
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

def convert(v):
    if isinstance(v, str) and len(v) == 16 and v[4] == "-" and v[10] == "T":
        return datetime.datetime.fromisoformat(v)
    return v

out = []
for case in CASES:
    with override_settings(LANGUAGE_CODE=case["language_code"]):
        trans_real._translations = {}
        trans_real._default = None
        engine = Engine(libraries={"i18n": "django.templatetags.i18n"})
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
