#!/usr/bin/env python3
"""Writes the hand-made seed inputs of the fuzz targets into OUTDIR/<target>/.

The committed corpus (tests/fuzz/corpus/) is these seeds minimised with libFuzzer's -merge=1,
plus the unmodified fixture files (seeds named orig-*), which are always kept: scripts/fuzz --seed
does it all. Seeds that break an invariant are dropped by the merge; keep them as named files in
tests/fuzz/regressions/<target>/ instead.

Usage: seeds.py OUTDIR
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, os.pardir, os.pardir))
FIXTURES = os.path.join(ROOT, "fixtures")

TOKEN, ACCOUNT, USER = "ZAPI-DEMO-TOKEN", "456", "1240"


def xml_req(method, params="", token=TOKEN, account=ACCOUNT, user=USER, decl=False):
    s = '<?xml version="1.0" encoding="utf-8"?>\n' if decl else ""
    s += "<request>"
    if token is not None:
        s += "<zapiToken>%s</zapiToken>" % token
    if account is not None:
        s += "<zapiAccountId>%s</zapiAccountId>" % account
    if user is not None:
        s += "<zapiUserId>%s</zapiUserId>" % user
    s += "<zapiMethod><methodName>%s</methodName>%s</zapiMethod></request>" % (method, params)
    return s.encode("utf-8")


def json_req(method, params=None, token=TOKEN, account=ACCOUNT, user=USER, wrap=False):
    env = {}
    if token is not None:
        env["zapiToken"] = token
    if account is not None:
        env["zapiAccountId"] = account
    if user is not None:
        env["zapiUserId"] = user
    m = {"methodName": method}
    m.update(params or {})
    env["zapiMethod"] = m
    if wrap:
        env = {"request": env}
    return json.dumps(env).encode("utf-8")


LOGIN = "<username>naddau</username><password>zaui-demo</password>"
PING = xml_req("zapiPing")
AUTH = xml_req("zapiAgents_Authenticate", LOGIN)

# ---------------------------------------------------------------------------------------------
# XML request bodies

LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE request [\n<!ENTITY a0 "lol">\n' +
          "".join('<!ENTITY a%d "%s">\n' % (i, ("&a%d;" % (i - 1)) * 10) for i in range(1, 10)) +
          ']>\n<request><zapiToken>&a9;</zapiToken><zapiMethod><methodName>zapiPing</methodName>'
          '</zapiMethod></request>').encode()

LONG_NAME = "\u00e9l\u00e9ment" * 12  # multi-byte element name longer than 64 bytes

XML = {
    "ping": PING,
    "ping-decl": xml_req("zapiPing", decl=True),
    "ping-bom": b"\xef\xbb\xbf" + xml_req("zapiPing", decl=True),
    "ping-reordered": (b"<request><zapiMethod><methodName>zapiPing</methodName></zapiMethod>"
                       b"<zapiUserId>1240</zapiUserId><zapiToken>ZAPI-DEMO-TOKEN</zapiToken>"
                       b"<zapiAccountId>456</zapiAccountId></request>"),
    "ping-whitespace": (b"<request>\n  <zapiToken>\n ZAPI-DEMO-TOKEN \t</zapiToken>\n"
                        b"  <zapiAccountId> 456 </zapiAccountId><zapiUserId>1240</zapiUserId>\n"
                        b"  <zapiMethod>\n <methodName> zapiPing </methodName> </zapiMethod>\n"
                        b"</request>\n"),
    "ping-cdata-comment-pi": (b"<?xml version='1.0'?><!-- c --><request><?pi x?>"
                              b"<zapiToken><![CDATA[ZAPI-DEMO-TOKEN]]></zapiToken>"
                              b"<zapiAccountId>4<!-- x -->56</zapiAccountId><zapiUserId>1240"
                              b"</zapiUserId><zapiMethod a='1' b=\"2\"><methodName>zapi&#x50;ing"
                              b"</methodName></zapiMethod></request>"),
    "ping-namespaces": (b'<z:request xmlns:z="urn:z"><z:zapiMethod><methodName>zapiPing'
                        b'</methodName></z:zapiMethod></z:request>'),
    "ping-default-ns": (b'<request xmlns="urn:zaui"><zapiToken>ZAPI-DEMO-TOKEN</zapiToken>'
                        b'<zapiMethod><methodName>zapiPing</methodName></zapiMethod></request>'),
    "auth": AUTH,
    "auth-long-unicode-user": xml_req("zapiAgents_Authenticate",
                                      "<username>a%s</username><password>x</password>"
                                      % ("\u00e9" * 40)),
    "auth-escapes": xml_req("zapiAgents_Authenticate",
                            "<username>na&amp;dd&lt;au&gt;</username><password>&quot;&apos;"
                            "</password>"),
    "duplicates": (b"<request><zapiToken>a</zapiToken><zapiToken>b</zapiToken><zapiMethod>"
                   b"<methodName>x</methodName><methodName>y</methodName></zapiMethod>"
                   b"<zapiMethod><methodName>z</methodName></zapiMethod></request>"),
    "no-method-name": xml_req("zapiPing").replace(b"<methodName>zapiPing</methodName>", b""),
    "empty-method-name": xml_req(" \n\t "),
    "no-zapimethod": b"<request><zapiToken>x</zapiToken></request>",
    "wrong-root": PING.replace(b"request>", b"response>"),
    "long-root": ("<%s/>" % LONG_NAME).encode(),
    "self-closing": b"<request/>",
    "empty": b"",
    "spaces": b" \r\n\t",
    "unclosed": b"<request>\n<zapiToken>x</zapiToken>\n",
    "mismatch-long": ("<request><%s></%sX></request>" % (LONG_NAME * 3, LONG_NAME * 3)).encode(),
    "doctype-entity": (b'<?xml version="1.0"?>\n<!DOCTYPE request [<!ENTITY t "ZAPI-DEMO-TOKEN">]>'
                       b'\n<request><zapiToken>&t;</zapiToken><zapiAccountId>456</zapiAccountId>'
                       b'<zapiUserId>1240</zapiUserId><zapiMethod><methodName>zapiPing'
                       b'</methodName></zapiMethod></request>'),
    "billion-laughs": LAUGHS,
    "xxe-system": (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                   b'<request><zapiToken>&x;</zapiToken><zapiMethod><methodName>zapiPing'
                   b'</methodName></zapiMethod></request>'),
    "xxe-parameter": (b'<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1/x.dtd"> %p;]>'
                      b'<request/>'),
    "doctype-external": b'<!DOCTYPE request SYSTEM "request.dtd"><request/>',
    "xinclude": (b'<request xmlns:xi="http://www.w3.org/2001/XInclude"><zapiToken>'
                 b'<xi:include href="/etc/passwd" parse="text"/></zapiToken><zapiMethod>'
                 b'<methodName>zapiPing</methodName></zapiMethod></request>'),
    "undefined-entity": b"<request><zapiToken>&nope;</zapiToken></request>",
    "bad-charrefs": b"<request><zapiToken>&#1;&#xD800;&#x110000;</zapiToken></request>",
    "deep-nesting": (b"<request><zapiMethod><methodName>zapiPing</methodName>" +
                     b"<a>" * 300 + b"x" + b"</a>" * 300 + b"</zapiMethod></request>"),
    "too-deep": b"<a>" * 1200 + b"</a>" * 1200,
    "huge-text": xml_req("zapiPing", "<big>" + "A" * 20000 + "</big>"),
    "huge-token": xml_req("zapiPing", token="T" * 5000),
    "many-attrs": ("<request %s><zapiMethod><methodName>zapiPing</methodName></zapiMethod>"
                   "</request>" % " ".join('a%d="%d"' % (i, i) for i in range(200))).encode(),
    "latin1-undeclared": xml_req("zapiPing", "<name>Caf\u00e9</name>").replace(b"\xc3\xa9", b"\xe9"),
    "latin1-declared": (b'<?xml version="1.0" encoding="ISO-8859-1"?><request><zapiToken>\xe9t\xe9'
                        b'</zapiToken><zapiMethod><methodName>zapi\xe9</methodName></zapiMethod>'
                        b'</request>'),
    "utf16-bom": b"\xff\xfe" + '<request><zapiMethod><methodName>zapiPing</methodName>'
                 '</zapiMethod></request>'.encode("utf-16-le"),
    "invalid-utf8": xml_req("zapi\xffPing").replace(b"\xc3\xbf", b"\xff\xfe\xc0\x80"),
    "unicode-method": xml_req("zapi\u00e9\u4e2d\U0001f600" * 20),
    "nul-byte": PING[:20] + b"\x00" + PING[20:],
    "json-to-xml": json_req("zapiPing"),
    "xml-11": b'<?xml version="1.1"?><request><zapiMethod><methodName>zapi&#x1;</methodName>'
              b'</zapiMethod></request>',
}

# ---------------------------------------------------------------------------------------------
# JSON request bodies


def nest(n, leaf='"x"'):
    return "{\"a\":" * n + leaf + "}" * n


JSON = {
    "ping": json_req("zapiPing"),
    "ping-int-ids": json_req("zapiPing", account=456, user=1240),
    "ping-wrapped": json_req("zapiPing", wrap=True),
    "ping-wrapped-and-token": (b'{"zapiToken":"ZAPI-DEMO-TOKEN","request":{"zapiMethod":'
                               b'{"methodName":"zapiPing"}},"zapiMethod":{"methodName":"zapiPing"}}'),
    "ping-bom-ws": b"\xef\xbb\xbf \r\n" + json_req("zapiPing"),
    "auth": json_req("zapiAgents_Authenticate", {"username": "naddau", "password": "zaui-demo"}),
    "auth-long-unicode-user": json_req("zapiAgents_Authenticate",
                                       {"username": "a" + "\u00e9" * 40, "password": "x"}),
    "types": json_req("zapiPing", {"i": -42, "r": 1.5, "e": 1e300, "t": True, "f": False,
                                   "n": None, "s": "", "o": {}, "l": [1, "2", {"x": [True]}]}),
    "reals": (b'{"zapiMethod":{"methodName":"zapiPing","a":0.1,"b":-0.0,"c":1e-320,'
              b'"d":123456789012345678901234567890,"e":9223372036854775807,'
              b'"f":-9223372036854775808,"g":1.7976931348623157e308}}'),
    "huge-number": b'{"zapiMethod":{"methodName":"zapiPing","a":1e400}}',
    "array-methodname": b'{"zapiMethod":{"methodName":["zapiPing","x"]}}',
    "array-zapimethod": b'{"zapiMethod":[{"methodName":"a"},{"methodName":"b"}]}',
    "array-in-array": b'{"zapiMethod":{"methodName":"zapiPing","a":[[1]]}}',
    "empty-array": b'{"zapiMethod":{"methodName":"zapiPing","a":[]}}',
    "object-token": b'{"zapiToken":{"x":"y"},"zapiMethod":{"methodName":"zapiPing"}}',
    "number-methodname": b'{"zapiMethod":{"methodName":12}}',
    "bad-key-digit": b'{"zapiMethod":{"methodName":"zapiPing","1abc":"x"}}',
    "bad-key-space": b'{"zapiMethod":{"methodName":"zapiPing","a b":"x"}}',
    "bad-key-colon": b'{"zapiMethod":{"methodName":"zapiPing","xml:lang":"x"}}',
    "bad-key-empty": b'{"":1}',
    # Not a valid element name, and one ASCII byte first, so that the error message's cut at
    # 64 bytes splits a character.
    "long-unicode-key": json.dumps({"zapiMethod": {"methodName": "zapiPing",
                                                   "a" + "\u00e9" * 40 + "!": 1}}).encode(),
    "unicode-key": json.dumps({"zapiMethod": {"methodName": "zapiPing", "\u00e9\u4e2d": "\u00e9"}},
                              ensure_ascii=False).encode(),
    "duplicate-keys": b'{"zapiMethod":{"methodName":"a","methodName":"b"}}',
    "escapes": (b'{"zapiToken":"\\u005a\\n\\t\\"\\\\\\/","zapiMethod":{"methodName":'
                b'"zapi\\ud83d\\ude00"}}'),
    "nul-escape": b'{"zapiMethod":{"methodName":"zapi\\u0000Ping"}}',
    "control-escape": b'{"zapiMethod":{"methodName":"zapi\\u0001\\u001f"}}',
    "lone-surrogate": b'{"zapiMethod":{"methodName":"\\ud800"}}',
    "invalid-utf8": b'{"zapiMethod":{"methodName":"zapi\xff\xfe"}}',
    "raw-control": b'{"zapiMethod":{"methodName":"a\x01b"}}',
    "deep-64": ('{"zapiMethod":{"methodName":"zapiPing","d":%s}}' % nest(61)).encode(),
    "deep-65": ('{"zapiMethod":{"methodName":"zapiPing","d":%s}}' % nest(66)).encode(),
    "deep-arrays": ('{"zapiMethod":{"methodName":"zapiPing","d":%s}}' %
                    ('{"a":[' * 40 + "1" + "]}" * 40)).encode(),
    "very-deep": nest(3000).encode(),
    "huge-string": json_req("zapiPing", {"big": "B" * 20000}),
    "many-keys": json.dumps({"zapiMethod": dict([("methodName", "zapiPing")] +
                                                [("k%d" % i, i) for i in range(500)])}).encode(),
    "top-array": b'["zapiPing"]',
    "top-string": b'"zapiPing"',
    "empty-object": b"{}",
    "trailing-comma": b'{"zapiToken": "x", "zapiMethod": {"methodName": "zapiPing",}}',
    "truncated": b'{"zapiToken": "x", "zapiMethod": {"methodName": "zapiPing"}',
    "trailing-garbage": json_req("zapiPing") + b" x",
    "whitespace-methodname": b'{"zapiMethod":{"methodName":" \\t\\n "}}',
    "empty": b"",
    "xml-as-json": PING,
}

# ---------------------------------------------------------------------------------------------
# Fixture files: first byte picks the file (index in fuzz_fixtures.c's files[]), the rest is it.

FIXTURE_FILES = ["registry.xml", "methods/zapiPing.xml", "methods/zapiAgents_Authenticate.xml",
                 "errors/throttled.xml", "errors/validation.xml", "errors/invalid-request.xml",
                 "errors/unknown-method.xml", "errors/http-error.xml", "methods/zapiFuzz.xml",
                 "catalogue.xml", "methods/zapiGetActivityCategories.xml",
                 "methods/zapiGetActivityDetailsByActivityId.xml", "errors/method-error.xml"]

# A small catalogue with one of each: every element the loader reads, schedules of every kind.
SMALL_CATALOGUE = """<catalogue>
<operator name="O &amp; P" currency="CAD" currencySymbol="$"/>
<tax id="GST" name="GST" percent="5"/><tax id="PST" name="PST" percent="7.5"/>
<pickupLocation id="1" name="Hotel" address="A" time="06:30:00"/>
<activityCategory id="1" name="Sea" description="d"/>
<activity id="1" type="504" category="1" taxes="GST PST" priceCodeId="9" durationMinutes="60"
          published="true">
  <name>A</name><shortDescription>s</shortDescription><description>d</description>
  <imageUrl>https://x/a.jpg</imageUrl>
  <price passengerType="11" base="10.5"/><price passengerType="13" base="0"/>
  <departure time="09:00" capacity="2"/><departure time="13:00:00" capacity="0"/>
  <runs days="mon tue,Wednesday" from="-3" to="+30"/><runs season="11-15..01-31"/>
  <blackout day="+1"/><blackout date="12-25"/>
  <sold day="+2" time="09:00:00" seats="1"/><sold day="0" seats="all"/>
  <pickup location="1"/><dropOff location="1"/>
</activity>
<activity id="2" type="505" category="1"><name>R</name><price passengerType="10" base="1.00"/>
  <departure time="10:00" capacity="5"/><runs/><equipment id="7" name="Kayak" price="2" stock="1"/>
</activity>
<productCategory id="1" name="Gear"/>
<product id="1" category="1" price="1.99" stock="1" taxes="GST"><name>P</name><sku>S</sku></product>
<product id="2" category="1" price="0" stock="0" published="no"><name>Q</name></product>
<packageCategory id="1" name="Packs"/>
<package id="1" category="1"><name>K</name><includes activity="1"/><includes activity="2" day="1"/>
  <price passengerType="11" base="20.00"/></package>
<promotion code="P10" percent="10"/><promotion code="P5" amount="5.00"/>
<giftCertificate code="G" balance="25.00"/>
</catalogue>"""

# A templated method fixture: nested each=, if= and !, loop variables in attributes.
TEMPLATED = """<fixture><answer><response><zapiVersion>2.1</zapiVersion><error>0</error>
<message>OK</message><methodResponse><methodName>{{method.name}}</methodName>
<categories><category each="c in categories" id="{{c.categoryId}}" if="c.categoryId">
<name><![CDATA[{{c.categoryName}}]]></name>
<activity each="a in c.activities" if="!a.none">{{a.activityId}} {{c.categoryId}}</activity>
<none if="!c.activities">-</none></category></categories>
<methodErrorCode>0</methodErrorCode><methodErrorMessage>x</methodErrorMessage>
</methodResponse></response></answer></fixture>"""


def fixture_seeds():
    out = {}
    for i, name in enumerate(FIXTURE_FILES):
        path = os.path.join(FIXTURES, name)
        if os.path.exists(path):
            with open(path, "rb") as f:
                out["orig-" + name.replace("/", "-")] = bytes([i]) + f.read()
    reg, ping, auth, throttled = 0, 1, 2, 3
    val, inv, unk, http, new = 4, 5, 6, 7, 8
    cat, cats, details, merr = 9, 10, 11, 12
    every_ns = ("<response><zapiVersion>2.1</zapiVersion><error>0</error><message>"
                "{{request.zapiMethod.methodName}} {{partner.token}} {{partner.accountId}} "
                "{{partner.organisation}} {{agent.username}} {{agent.relatedBookings.totalPurchases}}"
                " {{error.code}} {{error.message}} {{throttle.wait}} {{throttle.retryAfter}} "
                "{{method.name}} {{server.date}} {{server.time}} {{server.version}} {{server.x}}"
                "</message><methodResponse a=\"{{request.zapiToken}}\"><methodErrorCode>"
                "{{error.code}}</methodErrorCode><methodErrorMessage><![CDATA[{{error.message}}]]>"
                "</methodErrorMessage></methodResponse></response>")
    seeds = {
        "new-method-static": (new, "<response><error>0</error><methodResponse><methodErrorCode>7"
                                   "</methodErrorCode><a>1</a><a>2</a><b/></methodResponse>"
                                   "</response>"),
        "new-method-every-namespace": (new, every_ns),
        "ping-all-placeholders": (ping, every_ns),
        "validation-all-placeholders": (val, every_ns),
        "throttled-all-placeholders": (throttled, every_ns),
        "http-error-all-placeholders": (http, every_ns),
        "unknown-all-placeholders": (unk, every_ns),
        "invalid-all-placeholders": (inv, every_ns),
        "ping-fixture-statuses": (ping, '<fixture><answer status="201"><response><error>0</error>'
                                        '</response></answer><answer outcome="x" status="599">'
                                        '<response/></answer></fixture>'),
        "ping-no-default": (ping, '<fixture><answer outcome="x"><response/></answer></fixture>'),
        "validation-no-default": (val, '<fixture><answer outcome="x"><response/></answer>'
                                       '</fixture>'),
        "ping-bad-status": (ping, '<fixture><answer status="600"><response/></answer></fixture>'),
        "ping-status-junk": (ping, '<fixture><answer status="20x"><response/></answer></fixture>'),
        "ping-duplicate-outcome": (ping, '<fixture><answer outcome="a"><response/></answer>'
                                         '<answer outcome="a"><response/></answer></fixture>'),
        "ping-two-responses": (ping, '<fixture><answer><response/><response/></answer></fixture>'),
        "ping-empty-fixture": (ping, "<fixture/>"),
        "ping-unknown-child": (ping, "<fixture><other/></fixture>"),
        "ping-wrong-root": (ping, "<answer/>"),
        "ping-malformed-placeholder": (ping, "<response><m>{{ request.</m><n>{{}}</n></response>"),
        "ping-unclosed-placeholder": (ping, "<response><m>{{request.x</m></response>"),
        "ping-unknown-namespace": (ping, "<response><m>{{nope.x}}</m></response>"),
        "ping-long-placeholder": (ping, "<response><m>{{request.%s}}</m></response>" % ("a" * 200)),
        "ping-cdata-end": (ping, "<response><m><![CDATA[{{request.zapiMethod.methodName}}]]>"
                                 "</m><n>]]&gt;{{method.name}}</n></response>"),
        "ping-json-shapes": (ping, "<response><a/><a>1</a><a><b>x</b></a><c>  </c><d><e/>t</d>"
                                   "<!-- c --><?pi x?></response>"),
        "ping-entities": (ping, '<!DOCTYPE response [<!ENTITY e "{{method.name}}">]>'
                                "<response><m>&e;</m><n>&amp;&#233;</n></response>"),
        "ping-laughs": (ping, LAUGHS.decode().replace("request", "response")),
        "ping-namespaced": (ping, '<response xmlns="urn:a" xmlns:b="urn:b"><b:m b:x="1">y</b:m>'
                                  "</response>"),
        "ping-latin1": (ping, '<?xml version="1.0" encoding="ISO-8859-1"?><response><m>\u00e9'
                              "</m></response>"),
        "auth-missing-outcome": (auth, '<fixture><answer outcome="found"><response/></answer>'
                                       '</fixture>'),
        "auth-minimal": (auth, '<fixture><answer outcome="found"><response>{{agent.email}}'
                               '</response></answer><answer outcome="invalid-user"><response>'
                               '{{error.message}}</response></answer><answer outcome="inactive">'
                               '<response>{{agent.expiryDate}}</response></answer></fixture>'),
        "registry-minimal": (reg, '<registry><partner token="ZAPI-DEMO-TOKEN" accountId="456" '
                                  'userId="1240"/></registry>'),
        "registry-throttle": (reg, '<registry><partner token=" ZAPI-DEMO-TOKEN " accountId="456" '
                                   'userId="1240" throttleLimit="10" throttleWindow="0.5" '
                                   'affiliateUsername="u" organisation="o"/><agent password="">'
                                   '<username>naddau</username><expiryDate>0000-00-00'
                                   '</expiryDate></agent></registry>'),
        "registry-bad-throttle": (reg, '<registry><partner token="t" accountId="1" userId="2" '
                                       'throttleLimit="-1" throttleWindow="nan"/></registry>'),
        "registry-duplicates": (reg, '<registry><partner token="t" accountId="1" userId="2"/>'
                                     '<partner token="t" accountId="3" userId="4"/><agent '
                                     'password="p"><username>a</username></agent><agent '
                                     'password="q"><username>a</username></agent></registry>'),
        "registry-unknown": (reg, '<registry><partner token="t" accountId="1" userId="2" x="y"/>'
                                  '<thing/></registry>'),
        "registry-agent-no-username": (reg, '<registry><agent password="p"/></registry>'),
        "registry-long-token": (reg, '<registry><partner token="%s" accountId="1" userId="2"/>'
                                     '</registry>' % ("T" * 201)),
        "registry-wrong-root": (reg, "<partners/>"),
        "registry-empty": (reg, ""),
        "registry-entities": (reg, '<!DOCTYPE registry [<!ENTITY t "ZAPI-DEMO-TOKEN">]><registry>'
                                   '<partner token="&t;" accountId="456" userId="1240"/><agent '
                                   'password="zaui-demo"><username>naddau</username><email>&t;'
                                   '</email></agent></registry>'),
    }
    seeds.update({
        "catalogue-small": (cat, SMALL_CATALOGUE),
        "catalogue-empty": (cat, "<catalogue/>"),
        "catalogue-wrong-root": (cat, "<catalog/>"),
        "catalogue-unknown-element": (cat, "<catalogue><tour/></catalogue>"),
        "catalogue-bad-money": (cat, SMALL_CATALOGUE.replace('base="10.5"', 'base="10.555"')),
        "catalogue-duplicate-activity": (cat, SMALL_CATALOGUE.replace('id="2" type="505"',
                                                                      'id="1" type="505"')),
        "catalogue-regular-two-departures": (cat, SMALL_CATALOGUE.replace('type="504"',
                                                                          'type="500"')),
        "catalogue-rental-no-equipment": (cat, SMALL_CATALOGUE.replace(
            '<equipment id="7" name="Kayak" price="2" stock="1"/>', "")),
        "catalogue-unknown-refs": (cat, SMALL_CATALOGUE.replace('location="1"', 'location="9"')
                                   .replace('taxes="GST"', 'taxes="VAT"')),
        "catalogue-order-reversed": (cat, "<catalogue>" + "".join(reversed(
            SMALL_CATALOGUE.replace("<catalogue>", "").replace("</catalogue>", "")
            .split("\n"))) + "</catalogue>"),
        "catalogue-bad-schedules": (cat, SMALL_CATALOGUE.replace('from="-3"', 'from="+40"')
                                    .replace("11-15..01-31", "13-01..02-30")),
        "categories-templated": (cats, TEMPLATED),
        "categories-each-on-root": (cats, '<response each="c in categories">{{c.x}}</response>'),
        "categories-if-on-root": (cats, '<response if="!categories"><a/></response>'),
        "categories-bad-each": (cats, '<response><a each="c of categories"/></response>'),
        "categories-unknown-list": (cats, '<response><a each="c in nope.x"/></response>'),
        "categories-var-out-of-scope": (cats, '<response><a each="c in categories"/><b>{{c.x}}'
                                              '</b></response>'),
        "categories-deep": (cats, "<response>" + "".join(
            '<a each="v%d in categories">' % i for i in range(17)) + "</a>" * 17 +
            "</response>"),
        "details-if-only": (details, '<response><t if="activity.activityTimes">{{activity.'
                                     'activityName}}</t><n if="!activity">none</n></response>'),
        "method-error-static": (merr, "<response><error>0</error></response>"),
    })
    for name, (idx, text) in seeds.items():
        out[name] = bytes([idx]) + text.encode("utf-8")
    return out


# ---------------------------------------------------------------------------------------------
# Raw HTTP (the first byte chooses where the input is split in two reads)


def post(body, ctype="application/xml", extra="", path="/zapi/", version="1.1"):
    return (("POST %s HTTP/%s\r\nHost: localhost\r\nContent-Type: %s\r\n%sContent-Length: %d"
             "\r\n\r\n") % (path, version, ctype, extra, len(body))).encode() + body


def chunked(body, size=7, ext=False):
    out = b"POST /zapi/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
    for i in range(0, len(body), size):
        part = body[i:i + size]
        out += b"%x%s\r\n" % (len(part), b";ext=1" if ext else b"") + part + b"\r\n"
    return out + b"0\r\nX-Trailer: yes\r\n\r\n"


JPING = json_req("zapiPing")
FUZZ_CART = "910a2dec89025cc1beeb8da1658eec67"  # the first cart id of store_new(1)
JOURNEY = [
    xml_req("zapiCreateUniqueCartSession"),
    xml_req("zapiAddActivityToCart", "<cartId>%s</cartId><activityId>101</activityId>"
            "<activityDate>2023-11-15</activityDate><activityTime>09:00:00</activityTime>"
            "<pax><adults>2</adults></pax>" % FUZZ_CART),
    xml_req("zapiAddProductToCart", "<cartId>%s</cartId><productId>201</productId>"
            "<quantity>2</quantity>" % FUZZ_CART),
    xml_req("zapiUpdateCustomerDetailsToCart", "<cartId>%s</cartId><firstName>Ann</firstName>"
            "<lastName>Lee</lastName><email>ann@example.com</email>" % FUZZ_CART),
    xml_req("zapiPromotionCodeApply", "<cartId>%s</cartId><promoCodeName>SUMMER10"
            "</promoCodeName>" % FUZZ_CART),
    xml_req("zapiProcessCartWithPayment", "<cartId>%s</cartId><paymentMethodType>2000"
            "</paymentMethodType><creditCardDetails><number>4111111111111111</number>"
            "<expMonth>12</expMonth><expYear>2030</expYear><csv>123</csv>"
            "</creditCardDetails>" % FUZZ_CART),
    xml_req("zapiSearchBookings", "<searchType>104</searchType><searchText>ann@example.com"
            "</searchText>"),
    xml_req("zapiBookings_CancelBooking", "<bookingNumber>100001</bookingNumber>"),
]
JOURNEY_JSON = [
    json_req("zapiCreateUniqueCartSession"),
    json_req("zapiAddPackageToCart", {"cartId": FUZZ_CART, "packageId": 401,
                                      "packageDate": "2023-11-16", "pax": {"adults": "2"}}),
    json_req("zapiUpdateCustomerDetailsToCart", {"cartId": FUZZ_CART, "firstName": "B",
                                                 "lastName": "C", "email": "b@c.d"}),
    json_req("zapiProcessCartWithPayment", {"cartId": FUZZ_CART, "paymentMethod":
                                            {"paymentMethodType": 2000}, "creditCardDetails":
                                            {"number": "4000000000000002"}}),
    json_req("zapiGiftCertificateApply", {"cartId": FUZZ_CART, "giftCertificate":
                                          "GIFT-100-DEMO"}),
    json_req("zapiProcessCartWithPayment", {"cartId": FUZZ_CART, "paymentMethodType": "2003",
                                            "transactionAmount": "0"}),
    json_req("zapiProcessSingleTransaction", {"bookingNumber": 100001, "paymentMethodType":
                                              2002}),
]


HTTP = {
    "post-ping-xml": post(PING),
    "post-ping-json": post(JPING, "application/json"),
    "post-ping-json-noctype": (b"POST /zapi HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % len(JPING)
                               + JPING),
    "post-auth-xml": post(AUTH),
    "post-auth-json": post(json_req("zapiAgents_Authenticate",
                                    {"username": "expired-agent", "password": "expired-demo"}),
                           "application/json; charset=utf-8"),
    "post-bad-token": post(xml_req("zapiPing", token="nobody")),
    "post-wrong-account": post(json_req("zapiPing", account="1"), "text/json"),
    "post-unknown-method": post(xml_req("zapiNothing")),
    "post-categories-xml": post(xml_req("zapiGetActivityCategories")),
    "post-details-json": post(json_req("zapiGetActivityDetailsByActivityId",
                                       {"activityId": 101, "activityDate": "2023-11-15"}),
                              "application/json"),
    "post-inventory-xml": post(xml_req("zapiCheckActivityInventoryByDate",
                                       "<activityId>101</activityId><activityDate>2023-11-15"
                                       "</activityDate><pax><adults>2</adults></pax>")),
    "post-quote-json": post(json_req("zapiPriceQuote", {"activityId": "104", "pax":
                                                        {"adults": 2, "children": "1"}}),
                            "application/json"),
    "post-product-json": post(json_req("zapiCheckProductInventory",
                                       {"productId": 205, "quantity": 4}), "application/json"),
    "post-login-xml": post(b"<request><zapiUsername>naddau</zapiUsername><zapiPassword>zaui-demo"
                           b"</zapiPassword><zapiMethod><methodName>zapiAgentLogin</methodName>"
                           b"</zapiMethod></request>"),
    "post-login-json-md5": post(json.dumps({"zapiUsername": "naddau", "zapiPassword":
                                            "e97cdcc61675716110d9de3d2defa7dc", "zapiMethod":
                                            {"methodName": "zapiMobileLogin"}}).encode(),
                                "application/json"),
    # A whole booking, pipelined: the fuzz target's store (store_new(1)) gives its first cart
    # this id, so the cart, customer and payment handlers run on a real cart.
    "post-journey-pipelined": b"".join(post(b) for b in JOURNEY),
    "post-pay-declined-json": b"".join(post(b, "application/json") for b in JOURNEY_JSON),
    "post-invalid-xml": post(b"<request>"),
    "post-invalid-json": post(b'{"zapiMethod": ', "application/json"),
    "post-doctype": post(XML["doctype-entity"]),
    "post-empty": b"POST /zapi/ HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
    "post-root": post(PING, path="/"),
    "post-query": post(PING, path="/zapi/?x=1&y=%C3%A9#frag"),
    "chunked": chunked(AUTH),
    "chunked-ext-trailer": chunked(PING, 50, ext=True),
    "chunked-bad-size": b"POST /zapi/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nx\r\n",
    "pipelined": post(PING) + post(AUTH) + post(JPING, "application/json") + post(PING),
    "pipelined-get-post": (b"GET /zapi/ HTTP/1.1\r\nHost: x\r\n\r\n" + post(PING) +
                           b"HEAD /nowhere HTTP/1.1\r\nAccept: application/json\r\n\r\n"),
    "expect-100": post(PING, extra="Expect: 100-continue\r\n"),
    "expect-100-http10": post(PING, extra="Expect: 100-continue\r\n", version="1.0"),
    "expect-other": post(PING, extra="Expect: something\r\n"),
    "get-zapi": b"GET /zapi/ HTTP/1.1\r\nHost: localhost\r\n\r\n",
    "get-404-json": b"GET /other/path HTTP/1.1\r\nAccept: application/json\r\n\r\n",
    "delete-404-body": post(JPING, "application/json", path="/x").replace(b"POST", b"DELETE", 1),
    "options-star": b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
    "url-utf8": "GET /\u00e9\u4e2d/%s HTTP/1.1\r\n\r\n".replace("%s", "\u00e9" * 40).encode(),
    "url-latin1": b"GET /caf\xe9/" + b"\xe9" * 70 + b" HTTP/1.1\r\n\r\n",
    "url-long": b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n",
    "content-length-huge": b"POST /zapi/ HTTP/1.1\r\nContent-Length: 99999999\r\n\r\nxx",
    "content-length-twice": (b"POST /zapi/ HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4"
                             b"\r\n\r\nabcd"),
    "te-and-cl": (b"POST /zapi/ HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n"
                  b"\r\n0\r\n\r\n"),
    "many-headers": (b"GET / HTTP/1.1\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(120)) +
                     b"\r\n"),
    "big-header": b"GET / HTTP/1.1\r\nX-Big: " + b"v" * 33000 + b"\r\n\r\n",
    "folded-header": (b"POST /zapi/ HTTP/1.1\r\nContent-Type: application/\r\n json\r\n"
                      b"Content-Length: %d\r\n\r\n" % len(JPING) + JPING),
    "bare-lf": b"POST /zapi/ HTTP/1.1\nContent-Length: %d\n\n" % len(PING) + PING,
    "http10-keepalive": (post(PING, extra="Connection: keep-alive\r\n", version="1.0") +
                         post(PING, version="1.0")),
    "connection-close-then-more": post(PING, extra="Connection: close\r\n") + post(PING),
    "http2-version": b"POST /zapi/ HTTP/2.0\r\nContent-Length: 0\r\n\r\n",
    "bad-version": b"GET / HTTP/9.9\r\n\r\n",
    "upgrade": b"GET / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
    "connect": b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n",
    "bad-method": b"FROB / HTTP/1.1\r\n\r\n",
    "garbage": b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",
    "truncated-headers": b"POST /zapi/ HTTP/1.1\r\nContent-Le",
    "truncated-body": b"POST /zapi/ HTTP/1.1\r\nContent-Length: 100\r\n\r\n<request>",
    "ctype-everything": post(PING, "text/xml;charset=\"utf-8\"; x=json",
                             "Accept: */*\r\nAuthorization: Basic Zm9vOmJhcg==\r\n"),
    "post-big-body": post(xml_req("zapiPing", "<big>" + "Z" * 30000 + "</big>")),
}

SPLITS = [0x80, 0x00, 0xff, 0x10, 0x40, 0xc0, 0x03]

def admin(method, path, body=b"", extra=""):
    return (("%s %s HTTP/1.1\r\nHost: localhost:8443\r\n%sContent-Type: application/json\r\n"
             "Content-Length: %d\r\n\r\n") % (method, path, extra, len(body))).encode() + body


# The admin API, the console and barcodes: first bytes with bit 2 set make the peer loopback.
ADMIN = {
    "admin-health": admin("GET", "/__admin/health"),
    "admin-metrics-head": admin("HEAD", "/__admin/metrics"),
    "admin-console": admin("GET", "/__admin/") + admin("GET", "/__admin/console/app.js"),
    "admin-throttle-force": (admin("POST", "/__admin/throttle",
                                   b'{"force": {"token": "%s", "seconds": 5}, "status": 429}'
                                   % TOKEN.encode()) + post(PING) +
                             admin("DELETE", "/__admin/throttle") + post(PING)),
    "admin-throttle-bad": admin("PATCH", "/__admin/throttle", b'{"limit": -1, "x": 1}'),
    "admin-state": (b"".join(post(b) for b in JOURNEY[:6]) + admin("GET", "/__admin/state") +
                    admin("GET", "/__admin/state/bookings") + admin("GET", "/__admin/outbox") +
                    admin("DELETE", "/__admin/state")),
    "admin-journal": (post(PING) + admin("GET", "/__admin/clients") +
                      admin("GET", "/__admin/clients/%s/requests" % TOKEN) +
                      admin("DELETE", "/__admin/requests")),
    "admin-partner": (admin("POST", "/__admin/contacts",
                            b'{"name": "Ann", "organisation": "Tours", "email": "a@b.c"}') +
                      admin("POST", "/__admin/partners", b'{"userId": 5001}') +
                      admin("GET", "/__admin/partners/export")),
    "admin-reload": admin("POST", "/__admin/reload"),
    "admin-foreign-origin": admin("DELETE", "/__admin/state", extra="Origin: https://evil.example\r\n"),
    "admin-bad-json": admin("POST", "/__admin/contacts", b'{"name": '),
    "admin-405": admin("PUT", "/__admin/health"),
    "barcode-missing": b"GET /barcodes/NOPE123.png HTTP/1.1\r\nHost: localhost\r\n\r\n",
}
ADMIN_SPLITS = [0x84, 0x04, 0xfc, 0x14, 0x44, 0xc4]



def write(outdir, target, name, data):
    d = os.path.join(outdir, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    for name, data in XML.items():
        write(out, "fuzz_envelope_xml", name, data)
    for name, data in JSON.items():
        write(out, "fuzz_envelope_json", name, data)
    for name, data in fixture_seeds().items():
        write(out, "fuzz_fixtures", name, data)
    for i, (name, data) in enumerate(HTTP.items()):
        write(out, "fuzz_request", name, bytes([SPLITS[i % len(SPLITS)]]) + data)
    for i, (name, data) in enumerate(ADMIN.items()):
        write(out, "fuzz_request", name, bytes([ADMIN_SPLITS[i % len(ADMIN_SPLITS)]]) + data)
    # The request targets also see the envelope seeds as bodies.
    bodies = [("xml-" + n, d, "application/xml") for n, d in XML.items()]
    bodies += [("json-" + n, d, "application/json") for n, d in JSON.items()]
    for i, (name, data, ctype) in enumerate(bodies):
        write(out, "fuzz_request", "body-" + name,
              bytes([SPLITS[i % len(SPLITS)]]) + post(data, ctype))


if __name__ == "__main__":
    main()
