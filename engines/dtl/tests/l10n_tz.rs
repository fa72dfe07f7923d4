//! Django's `l10n` and `tz` libraries, rendered as a Django project with the
//! default settings (`en`, `USE_THOUSAND_SEPARATOR = False`,
//! `TIME_ZONE = "America/Chicago"`, `USE_TZ = False`).
//!
//! Expected outputs follow Django's code (`django/templatetags/l10n.py`,
//! `tz.py`, `django/utils/formats.py`, `django/utils/timezone.py`) and its
//! tests (`tests/i18n/tests.py`, `tests/timezones/tests.py`) run under those
//! settings.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate};
use platen_conformance::MapLoader;
use platen_core::value::AwareDateTime;
use platen_core::{Context, Error, ErrorKind, LoaderChain, Template, Value};
use platen_dtl::{DtlEngine, DtlOptions, django_library};

fn engine() -> DtlEngine {
    let mut options = DtlOptions::default();
    for name in ["l10n", "tz"] {
        options
            .libraries
            .insert(name.into(), django_library(name).unwrap());
    }
    DtlEngine::new(
        LoaderChain::new(vec![Arc::new(MapLoader::new(HashMap::new()))]),
        options,
    )
}

fn render(source: &str, ctx: &Context) -> Result<String, Error> {
    engine().template_from_str(source)?.render(ctx, None)
}

fn ok(source: &str, ctx: &Context) -> String {
    render(source, ctx).unwrap_or_else(|e| panic!("{source}: {e}"))
}

fn naive(y: i32, m: u32, d: u32, h: u32, mi: u32, s: u32) -> Value {
    Value::DateTime(
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, mi, s)
            .unwrap(),
    )
}

fn aware(rfc3339: &str, name: &str) -> Value {
    Value::from(AwareDateTime {
        datetime: DateTime::parse_from_rfc3339(rfc3339).unwrap(),
        tz_name: Arc::from(name),
    })
}

fn ctx() -> Context {
    Context::new()
        .with("f", 1234.5)
        .with("i", 1234)
        .with("b", true)
        .with("n", Value::None)
        .with("s", "<b>")
        .with(
            "d",
            Value::Date(NaiveDate::from_ymd_opt(2024, 1, 2).unwrap()),
        )
        .with("dt", naive(2011, 9, 1, 13, 20, 30))
        .with("aw", aware("2011-09-01T10:20:30+00:00", "UTC"))
        .with("gap", naive(2024, 3, 10, 2, 30, 0))
}

#[test]
fn localize_filters() {
    let c = ctx();
    // tests/i18n/tests.py (test_localize_templatetag_and_filter) with the
    // en locale and no thousand separator.
    assert_eq!(
        ok(
            "{% load l10n %}{{ f }} {{ f|localize }} {{ f|unlocalize }}",
            &c
        ),
        "1234.5 1234.5 1234.5"
    );
    assert_eq!(
        ok("{% load l10n %}{{ i|localize }} {{ i|unlocalize }}", &c),
        "1234 1234"
    );
    assert_eq!(
        ok("{% load l10n %}{{ d|localize }} {{ d|unlocalize }}", &c),
        "Jan. 2, 2024 Jan. 2, 2024"
    );
    assert_eq!(
        ok("{% load l10n %}{{ dt|localize }}|{{ dt|unlocalize }}", &c),
        "Sept. 1, 2011, 1:20 p.m.|Sept. 1, 2011, 1:20 p.m."
    );
    assert_eq!(
        ok(
            "{% load l10n %}{{ b|localize }} {{ n|localize }} {{ s|localize }}",
            &c
        ),
        "True None &lt;b&gt;"
    );
    assert_eq!(ok("{% load l10n %}{{ s|safe|unlocalize }}", &c), "<b>");
    // The filters give strings: `add` then concatenates.
    assert_eq!(ok("{% load l10n %}{{ f|localize|add:'x' }}", &c), "1234.5x");
    // `add` of a float truncates it first (`int(value) + int(arg)`).
    assert_eq!(ok("{% load l10n %}{{ f|add:1 }}", &c), "1235");
}

#[test]
fn localize_tag() {
    let c = ctx();
    assert_eq!(
        ok(
            "{% load l10n %}{% localize off %}{{ f }} {{ i }} {{ dt }}{% endlocalize %}",
            &c
        ),
        "1234.5 1234 Sept. 1, 2011, 1:20 p.m."
    );
    assert_eq!(
        ok(
            "{% load l10n %}{% localize on %}{{ f }}{% endlocalize %}{% localize %}{{ d }}{% endlocalize %}",
            &c
        ),
        "1234.5Jan. 2, 2024"
    );
    let err = render("{% load l10n %}{% localize maybe %}{% endlocalize %}", &c).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SyntaxError);
    assert!(
        err.to_string()
            .contains("'localize' argument should be 'on' or 'off'"),
        "{err}"
    );
    let err = render("{% load l10n %}{% localize on off %}{% endlocalize %}", &c).unwrap_err();
    assert!(
        err.to_string()
            .contains("'localize' argument should be 'on' or 'off'"),
        "{err}"
    );
    let err = render("{% load l10n %}{% localize %}", &c).unwrap_err();
    assert!(err.to_string().contains("endlocalize"), "{err}");
    // Without `{% load l10n %}` the tag is unknown.
    assert!(render("{% localize %}{% endlocalize %}", &c).is_err());
}

#[test]
fn tz_filters() {
    let c = ctx();
    // A naive datetime is local time in America/Chicago (CDT, -05:00).
    assert_eq!(
        ok("{% load tz %}{{ dt|utc|date:'Y-m-d H:i:s e O' }}", &c),
        "2011-09-01 18:20:30 UTC +0000"
    );
    assert_eq!(
        ok("{% load tz %}{{ dt|utc }}", &c),
        "Sept. 1, 2011, 6:20 p.m."
    );
    assert_eq!(
        ok(
            "{% load tz %}{{ dt|timezone:'Europe/Paris'|date:'Y-m-d H:i T O' }}",
            &c
        ),
        "2011-09-01 20:20 CEST +0200"
    );
    assert_eq!(
        ok(
            "{% load tz %}{{ aw|timezone:'Asia/Bangkok'|date:'H:i O' }}",
            &c
        ),
        "17:20 +0700"
    );
    assert_eq!(
        ok("{% load tz %}{{ aw|localtime|date:'H:i T' }}", &c),
        "05:20 CDT"
    );
    assert_eq!(
        ok("{% load tz %}{{ aw|utc|date:'c' }}", &c),
        "2011-09-01T10:20:30+00:00"
    );
    assert_eq!(
        ok(
            "{% load tz %}{% timezone 'Europe/Paris' %}{{ aw|localtime|date:'H:i T' }}{% endtimezone %}",
            &c
        ),
        "12:20 CEST"
    );
    // Python's zoneinfo reads a time in a DST gap with the offset before it.
    assert_eq!(ok("{% load tz %}{{ gap|utc|date:'H:i' }}", &c), "08:30");
    // Anything else gives "": not a datetime, or an unknown zone.
    assert_eq!(
        ok(
            "{% load tz %}[{{ d|utc }}][{{ s|localtime }}][{{ dt|timezone:'No/Such' }}][{{ dt|timezone:5 }}]",
            &c
        ),
        "[][][][]"
    );
    let err = render("{% load tz %}{{ dt|timezone }}", &c).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SyntaxError);
}

#[test]
fn localtime_tag() {
    let c = ctx();
    // USE_TZ = False: aware datetimes print in their own zone.
    assert_eq!(ok("{% load tz %}{{ aw }}", &c), "Sept. 1, 2011, 10:20 a.m.");
    assert_eq!(
        ok(
            "{% load tz %}{% localtime off %}{{ aw }}{% endlocaltime %}",
            &c
        ),
        "Sept. 1, 2011, 10:20 a.m."
    );
    // `{% localtime on %}` converts them to the current time zone.
    assert_eq!(
        ok(
            "{% load tz %}{% localtime on %}{{ aw }}{% endlocaltime %}",
            &c
        ),
        "Sept. 1, 2011, 5:20 a.m."
    );
    assert_eq!(
        ok("{% load tz %}{% localtime %}{{ aw }}{% endlocaltime %}", &c),
        "Sept. 1, 2011, 5:20 a.m."
    );
    assert_eq!(
        ok(
            "{% load tz %}{% localtime on %}{% timezone 'Europe/Paris' %}{{ aw }}{% endtimezone %}{% endlocaltime %}",
            &c
        ),
        "Sept. 1, 2011, 12:20 p.m."
    );
    // Naive datetimes are never converted; the `tz` filters' results aren't
    // converted again; `date` formats the value as it is.
    assert_eq!(
        ok(
            "{% load tz %}{% localtime on %}{{ dt }}{% endlocaltime %}",
            &c
        ),
        "Sept. 1, 2011, 1:20 p.m."
    );
    assert_eq!(
        ok(
            "{% load tz %}{% localtime on %}{{ aw|utc }}{% endlocaltime %}",
            &c
        ),
        "Sept. 1, 2011, 10:20 a.m."
    );
    assert_eq!(
        ok(
            "{% load tz %}{% localtime on %}{{ aw|date:'H:i' }}{% endlocaltime %}",
            &c
        ),
        "10:20"
    );
    let err = render("{% load tz %}{% localtime maybe %}{% endlocaltime %}", &c).unwrap_err();
    assert!(
        err.to_string()
            .contains("'localtime' argument should be 'on' or 'off'"),
        "{err}"
    );
}

#[test]
fn timezone_tags() {
    let c = ctx().with("paris", "Europe/Paris");
    let t = "{% load tz %}{% get_current_timezone as TZ %}{{ TZ }}";
    assert_eq!(ok(t, &c), "America/Chicago");
    assert_eq!(
        ok(
            "{% load tz %}{% timezone paris %}{% get_current_timezone as TZ %}{{ TZ }}{% endtimezone %} {{ TZ }}",
            &c
        ),
        // The tag sets the variable in the current context, which
        // `{% timezone %}` doesn't push: it outlives the block.
        "Europe/Paris Europe/Paris"
    );
    assert_eq!(
        ok(
            "{% load tz %}{% timezone 'Asia/Tokyo' %}{% timezone None %}{% get_current_timezone as TZ %}{{ TZ }}{% endtimezone %}{% endtimezone %}",
            &c
        ),
        "America/Chicago"
    );
    let err = render("{% load tz %}{% timezone 'No/Such' %}{% endtimezone %}", &c).unwrap_err();
    assert!(
        err.to_string()
            .contains("No time zone found with key No/Such"),
        "{err}"
    );
    let err = render("{% load tz %}{% timezone 5 %}{% endtimezone %}", &c).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidValue);
    assert!(err.to_string().contains("Invalid timezone: 5"), "{err}");
    let err = render("{% load tz %}{% timezone %}{% endtimezone %}", &c).unwrap_err();
    assert!(
        err.to_string()
            .contains("'timezone' takes one argument (timezone)"),
        "{err}"
    );
    let err = render("{% load tz %}{% get_current_timezone %}", &c).unwrap_err();
    assert!(
        err.to_string().contains(
            "'get_current_timezone' requires 'as variable' (got ['get_current_timezone'])"
        ),
        "{err}"
    );
}

#[test]
fn libraries_are_django_libraries() {
    assert!(django_library("l10n").is_some());
    assert!(django_library("tz").is_some());
    let lib = django_library("tz").unwrap();
    let (filters, tags) = lib.names();
    assert_eq!(filters, ["localtime", "timezone", "utc"]);
    assert_eq!(tags, ["get_current_timezone", "localtime", "timezone"]);
}
