"""Personal details taken out of residents' free-text answers before anyone but the organiser reads them.

``redact`` replaces each email address, phone number, full UK postcode, link and social media handle
with a placeholder ("[email removed]", ...) and keeps every other character exactly as written.

What is and is not removed, and why:

- Emails: ordinary addresses (with +tags, dots, subdomains), and the usual disguises: "jo [at]
  example [dot] org", "jo(at)example(dot)com", "jo at example dot com", "jo @ example.com". A plain
  " at " only counts with a spelled-out " dot " in the domain or a local part no word looks like
  ("jo.bloggs at example.com"), and never after a common word ("look at example dot com"), so
  ordinary sentences using "at" keep it.
- Phone numbers: UK numbers (07700 900123, 01904 123 456, (01904) 123456, 0800 123 4567, with
  spaces, dashes or dots), international numbers written with + or 00 (+44 7700 900123,
  +1 415 555 0100, +33 1 23 45 67 89) and North American ones in their usual shapes
  ((415) 555-0100, 415-555-0100). A number needs a leading 0, + or 00 and nine or more digits, or
  that North American shape, so years, dates, times, money, percentages, counts and reference
  numbers under nine digits are kept. A ten- or eleven-digit number starting with 0 cannot be told
  from a UK phone number and is removed.
- Postcodes: full UK postcodes in any case and spacing (YO1 7HH, yo17hh, SW1A 1AA, GIR 0AA), for
  the real postcode areas only. A bare district ("YO1", "Harrogate HG1") is kept: it covers
  thousands of households and says where a concern is, which organisers need. Lower-case
  ordinals after a road number ("the M1 2nd exit") are not postcodes.
- Links: anything starting http://, https://, ftp:// or www., and bare domains with a common ending
  (example.com, bit.ly, police.uk) or any ending followed by a path (example.xyz/page).
- Handles: "@jo_bloggs" (and Mastodon's "@jo@mastodon.social") when the @ does not follow a word
  character (that is an email) and is not "@ home"-style shorthand ("@home", "@10am"). Handles of
  organisations are removed too: the pattern cannot tell them from people's.

Placeholders are never matched again, and wherever a pattern refuses to start or end next to a
word character it also refuses a placeholder's bracket, so redact(redact(x)) == redact(x).

Time is linear in the length of the text, hostile text included. Repetitions are possessive or
bounded, so a failed match never retries the same characters another way, and a detail cannot
start inside a run that an earlier start would already have scanned ("a.a.a.a...", "a-a-a-a...").
The tests feed it 100,000-character runs of such pieces; none takes more than a fraction of a second.
"""

from __future__ import annotations

import re

EMAIL = "[email removed]"
PHONE = "[phone number removed]"
POSTCODE = "[postcode removed]"
LINK = "[link removed]"
HANDLE = "[handle removed]"

# Domain endings that make "word.ending" a link without a path, and that end a disguised email.
# Endings that are also words ("it", "me", "so", "today", "news", "online"...) are left out so
# that a missing space after a full stop ("...yesterday.Today they") is not taken for a link; with
# a path ("example.news/page") any ending counts.
_ENDINGS = (
    "(?i:com|org|net|edu|gov|info|biz|io|ly|co|uk|ie|eu|ca|au|nz|de|fr|es|nl|se|dk|fi|pl|pt|ch|xyz|tv|fm|gl|gd|"
    "scot|wales|cymru|london)"
)
_AT = r"\s*+[\[({<]\s*+(?i:at)\s*+[\])}>]\s*+"  # "[at]", "(at)", ...
_SPELLED_DOT = r"(?:\s*+[\[({<]\s*+(?i:dot)\s*+[\])}>]\s*+|\s++(?i:dot)\s++)"  # "[dot]", " dot "
_DOT = rf"(?:\.|{_SPELLED_DOT})"
_LABELS = r"(?:[\w-]++\.)*+[\w-]++"  # mail.example, matched one way only so that failing is cheap
# A disguised address's domain: labels joined by dots of any kind, ending with a known ending. At
# most eight labels, so that the lazy repetition cannot be made to try every split of a long text.
_DOMAIN = rf"[\w-]++(?:{_DOT}[\w-]++){{0,8}}?{_DOT}{_ENDINGS}(?![\w\[-]|{_DOT}[\w\[-])"
# Words that come before "at" in sentences: "look at example dot com" is not an address.
_NOT_A_NAME = (
    "(?i:look|looking|looked|it|them|this|that|these|those|us|me|him|her|you|we|they|i|here|there|online|"
    "website|site|page|is|was|are|were|be|been|am|go|goes|going|went|visit|see|saw|seen|check|found|find|"
    "read|posted|available|and|or|but|not|only|just|also|even|arrive|arrived|stay|stayed|live|lived|work|"
    "worked|meet|met|home|out|up|down|back|stop|stopped|call|called|people|someone|everyone|anyone)"
)
# "@home", "@ 10am": shorthand for "at", not handles.
_NOT_A_HANDLE = (
    r"(?i:home|work|school|the|night|noon|midnight|least|all|once|last|first|[0-9]{1,2}(?:[:.][0-9]{2})?\s?[ap]m)"
)
# The areas UK postcodes start with (BF is the forces' BFPO), and the letters the inward code uses.
_AREAS = (
    "(?i:AB|AL|BA|BB|BD|BF|BH|BL|BN|BR|BS|BT|B|CA|CB|CF|CH|CM|CO|CR|CT|CV|CW|DA|DD|DE|DG|DH|DL|DN|DT|DY|EC|"
    "EH|EN|EX|E|FK|FY|GL|GU|GY|G|HA|HD|HG|HP|HR|HS|HU|HX|IG|IM|IP|IV|JE|KA|KT|KW|KY|LA|LD|LE|LL|LN|LS|LU|L|"
    "ME|MK|ML|M|NE|NG|NN|NP|NR|NW|N|OL|OX|PA|PE|PH|PL|PO|PR|RG|RH|RM|SA|SE|SG|SK|SL|SM|SN|SO|SP|SR|SS|ST|SW|"
    "SY|S|TA|TD|TF|TN|TQ|TR|TS|TW|UB|WA|WC|WD|WF|WN|WR|WS|WV|W|YO|ZE)"
)
_INWARD_LETTER = "[ABD-HJLNP-UW-Zabd-hjlnp-uw-z]"
_URL = r"[^\s<>\"]*[^\s<>\"'.,;:!?)\]}*]"  # the rest of a link, without the punctuation after it
# Email addresses and domains can only start where one cannot already have started: not right after
# a dot, plus or hyphen that follows a character of one ("jo.bloggs", "a-b.com"). Otherwise each
# position in "a.a.a.a..." would start a scan to the end of the run, which is quadratic.
_NOT_INSIDE_LOCAL = r"(?<![\w\].+%'-][.+%'-])"  # "]" ends a placeholder, which stands for such text
_NOT_INSIDE_DOMAIN = r"(?<![.@/])(?<![\w\]-]-)"

# One pattern, so that text is read once, left to right, and the first kind of detail that
# starts at a place wins (a link's address is not also an email's domain). Case is ignored only
# where letters are compared: ignoring it everywhere makes every \w test slower.
_PATTERN = re.compile(
    rf"""
    # Every detail starts a word: nothing starts inside one, or right after a placeholder.
    (?<![\w\]])
    # And starts with a digit, +, ( or @, a letter or two and a digit, or "GIR", or is a word followed
    # by a dot, colon, @, bracket or spelled-out "at" or "dot": one quick look rules out most words.
    (?=[0-9+(@]|[A-Za-z]{{1,2}}[0-9]|(?i:gir)|\w++(?:[.:@+%'-]|\s*+[@\[({{<]|\s++(?i:at|dot)\s))
    (?:
        (?P<link>(?i:https?|ftp)://{_URL} | {_NOT_INSIDE_DOMAIN}(?i:www)\.{_URL})
        # Only a word followed by an @, a bracket or a spelled-out "at" or "dot" can start an email;
        # checking that first spares the four kinds below at every other word.
      | {_NOT_INSIDE_LOCAL}(?=\w[\w.+%'-]*+(?:\s*+[@\[({{<]|\s++(?i:at|dot)\s))
        (?P<email>
            # jo.bloggs+tag@mail.example.co.uk
            \w[\w.+%'-]*+@[\w-]++(?:\.[\w-]++)++
            # jo [at] example [dot] org, jo @ example dot com, jo@example dot com
          | \w[\w.+%-]*+(?:{_SPELLED_DOT}\w[\w+%-]*+){{0,3}}
            (?:{_AT}|\s++@\s*+|@\s++|@(?={_LABELS}{_SPELLED_DOT}))
            {_DOMAIN}
            # jo at example dot com
          | (?!{_NOT_A_NAME}\s)\w[\w.+%-]*+(?:{_SPELLED_DOT}\w[\w+%-]*+){{0,3}}
            \s++(?i:at)\s++(?={_LABELS}{_SPELLED_DOT}){_DOMAIN}
            # jo.bloggs at example.com: a name (starting with a letter) with a dot, underscore, plus or
            # digit in it is no word; "I paid 20 at example.com" keeps its "20 at".
          | (?=[\w-]*?[._+0-9])[^\W\d_][\w.+-]*+\s++(?i:at)\s++{_DOMAIN}
        )
      | (?P<handle>
            (?<![.+%'@/-])@(?!{_NOT_A_HANDLE}\b)
            (?=[0-9.]*+[^\W0-9])\w(?:[\w.]{{0,28}}\w)?(?:@[\w-]++(?:\.[\w-]++)++)?(?![\w@\[])
        )
      | (?P<domain>
            {_NOT_INSIDE_DOMAIN}(?:[^\W_][\w-]*+\.)+
            (?:{_ENDINGS}(?![\w\[-])(?:[/?#](?:{_URL})?)?|[A-Za-z]{{2,24}}/(?:{_URL})?)
        )
      | (?P<phone>
            (?<![+£$€])(?<![0-9\]][.,/:-])
            (?:
                (?:\+|00)[1-9](?:[ .()-]{{0,2}}[0-9]){{7,13}}
              | (?!0[0-9][./-][0-9]{{1,2}}[./-][0-9])  # a date: 01/02/2023, 01.02.23
                (?:0[0-9](?:[ .-]?[0-9]){{8,9}}|\(0[0-9]{{2,4}}\)\ ?[0-9](?:[ .-]?[0-9]){{4,7}})
              | \([0-9]{{3}}\)\ ?[0-9]{{3}}[ .-][0-9]{{4}}
              | [0-9]{{3}}-[0-9]{{3}}-[0-9]{{4}}
              | [0-9]{{3}}\.[0-9]{{3}}\.[0-9]{{4}}
            )
            (?![\w\[]|[.,][0-9\[])
        )
        # A letter or two and a digit first, before trying the areas one by one.
      | (?=[A-Za-z]{{1,2}}[0-9]|(?i:gir))
        (?P<postcode>
            (?:
                (?i:GIR[ \u00a0]{{0,2}}0AA)
                # area, district (YO1, SW1A), at most two spaces, inward code (7HH) but not "2nd"
              | {_AREAS}[0-9][A-Za-z0-9]?[ \u00a0]{{0,2}}[0-9](?!(?:st|nd|rd|th)\b){_INWARD_LETTER}{{2}}
            )
            (?![\w\[])
        )
    )
    """,
    re.VERBOSE,
)

_PLACEHOLDERS = {"link": LINK, "email": EMAIL, "handle": HANDLE, "domain": LINK, "phone": PHONE, "postcode": POSTCODE}
# Every detail contains a digit, an @, "://", a dot before a letter or digit, a spelled-out "dot"
# or a bracketed "at"; these scans are each one fast pass in C, and let most answers skip the pattern.
_DIGIT = re.compile(r"[0-9]")
_DOT_BEFORE_WORD = re.compile(r"\.\w")
_BRACKETED_AT = re.compile(r"[\[({<]\s*at\s*[\])}>]")


def _placeholder(match: re.Match[str]) -> str:
    return _PLACEHOLDERS[match.lastgroup or ""]


def redact(text: str) -> str:
    """The text with emails, phone numbers, full postcodes, links and handles replaced by placeholders."""
    if "@" not in text and "://" not in text and not _DIGIT.search(text) and not _DOT_BEFORE_WORD.search(text):
        lowered = text.lower()
        if "dot" not in lowered and not _BRACKETED_AT.search(lowered):
            return text
    return _PATTERN.sub(_placeholder, text)
