"""Demo data for Larkspur Home Energy, a fictional supplier: customers, feedback and interviews.

Everything here is invented for voc. The feedback is generated from hand-written phrasings of
twenty underlying topics, so theme clustering has something real to find, with the messiness
of live data: typos, emoji, very short and very long items, pasted markup and URLs.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass

AWARENESS, CONSIDER, ACTION = "Awareness", "Consider", "Action"

STAGES: tuple[tuple[str, str], ...] = (
    (AWARENESS, "People hear of Larkspur: adverts, comparison sites, word of mouth, doorstep sales."),
    (CONSIDER, "People weigh Larkspur up: tariffs, quotes, prices, contract terms and sign-up."),
    (ACTION, "People are customers: switching, meter installs, bills, refunds, the app and support."),
)


@dataclass(frozen=True)
class DemoCustomer:
    """A fictional customer with the consent choices the app must respect."""

    name: str
    organisation: str | None
    segment: str
    email: str | None
    consent_quote: bool
    consent_contact: bool


@dataclass(frozen=True)
class DemoFeedback:
    """One feedback item; the received date is today minus days_ago, fixed at load time."""

    text: str
    channel: str
    source: str | None
    external_id: str | None
    days_ago: int
    customer: int | None
    stage: str | None
    score: int | None
    score_kind: str | None


@dataclass(frozen=True)
class DemoQuote:
    """A customer's words captured during an interview."""

    text: str
    stage: str | None


@dataclass(frozen=True)
class DemoInterview:
    """A field conversation with one customer (an index into customers)."""

    customer: int
    days_ago: int
    place: str
    duration_minutes: int
    notes: str
    quotes: tuple[DemoQuote, ...]


@dataclass(frozen=True)
class DemoData:
    """Everything the demo loader persists, in the order it should be written."""

    customers: tuple[DemoCustomer, ...]
    feedback: tuple[DemoFeedback, ...]
    interviews: tuple[DemoInterview, ...]


@dataclass(frozen=True)
class Topic:
    """An underlying pain point or praise that many feedback items put in their own words.

    timing: "steady" (spread over the year), "rising" (mostly within `span` days),
    "fading" (mostly long ago) or "burst" (clustered around `span` days ago).
    """

    key: str
    stage: str
    praise: bool
    volume: int
    timing: str
    phrasings: tuple[str, ...]
    shorts: tuple[str, ...]
    span: int = 0
    app: bool = False


Filler = tuple[str, ...] | Callable[[random.Random], str]


def _money(low: int, high: int) -> Callable[[random.Random], str]:
    """Pound amounts, some with pence, as bills and quotes show them."""

    def pick(rng: random.Random) -> str:
        pounds = rng.randint(low, high)
        return f"£{pounds}.{rng.randint(0, 99):02d}" if rng.random() < 0.4 else f"£{pounds}"

    return pick


def _number(low: int, high: int, width: int = 0) -> Callable[[random.Random], str]:
    """Whole numbers in a range, zero-padded to width when given."""
    return lambda rng: f"{rng.randint(low, high):0{width}d}"


def _hold_time(rng: random.Random) -> str:
    """A hold time as people describe it."""
    minutes = rng.randint(25, 59)
    return rng.choice(
        (
            f"{minutes} minutes",
            f"an hour and {minutes - 20} minutes",
            "nearly two hours",
            "over an hour",
            f"{minutes} mins",
        )
    )


SLOTS: dict[str, Filler] = {
    "weekday": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"),
    "month": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "amount": _money(38, 460),
    "small_amount": _money(5, 60),
    "monthly": _money(48, 135),
    "fee": ("£30", "£45", "£50", "£60 per fuel", "£75", "£90 per fuel"),
    "percent": _number(8, 45),
    "city": (
        "Leeds",
        "Bristol",
        "Norwich",
        "Sheffield",
        "Derby",
        "York",
        "Swindon",
        "Cardiff",
        "Preston",
        "Exeter",
        "Hull",
        "Luton",
        "Manchester",
        "Leicester",
    ),
    "tariff": (
        "Larkspur Fixed 12",
        "Larkspur Fixed 24",
        "Flex Saver",
        "EV Night Rate",
        "Green Tracker",
        "Standard Variable",
    ),
    "version": ("4.2.0", "4.2.1", "4.3.0", "4.3.1"),
    "device": (
        "iPhone",
        "iPhone 12",
        "Pixel",
        "Samsung Galaxy",
        "iPad",
        "old Android phone",
        "Motorola",
        "work phone",
    ),
    "ref": _number(10000, 99999),
    "site": ("PriceParrot", "SwitchWise", "CompareNest", "EnergyOwl"),
    "relative": (
        "my sister",
        "a neighbour",
        "my colleague",
        "a friend from work",
        "my dad",
        "my landlord",
        "our son",
        "a mate from football",
        "my mother-in-law",
    ),
    "engineer": ("Dev", "Marcus", "Aisha", "Tom", "Kerry", "Sunil", "Gemma", "Olu", "Wojtek"),
    "advisor": ("Hannah", "Raj", "Beth", "Callum", "Nadia", "Joe", "Mei", "Siobhan"),
    "appliance": ("heat pump", "solar panels", "home battery", "EV charger"),
    "time_slot": ("8am-12pm", "12-6pm", "the morning slot", "the all-day slot", "7-11am"),
    "late_time": ("11am", "lunchtime", "2pm", "3.30pm", "half past four"),
    "evening": ("8pm", "7.30pm", "quarter to nine", "8.45pm", "teatime"),
    "weeks": ("two", "three", "four", "five", "six", "seven", "eight"),
    "days": _number(12, 58),
    "switch_days": _number(5, 21),
    "n": _number(2, 6),
    "hold": _hold_time,
    "minutes": _number(20, 95),
    "short_minutes": _number(4, 15),
    "kwh": _number(1200, 98000, 5),
    "postcode": ("LS6 2QT", "BS3 1RX", "NR2 4EL", "S11 8YW", "DE22 3HB", "YO31 7PN", "CF24 4JJ"),
    "page": _number(4, 19),
    "acct": _number(1000, 9999),
}

_SLOT = re.compile(r"\{(\w+)\}")


def fill(template: str, rng: random.Random) -> str:
    """Replace each {slot} with a filler, avoiding the same filler twice in one text."""
    used: dict[str, set[str]] = {}

    def pick(match: re.Match[str]) -> str:
        filler = SLOTS[match.group(1)]
        taken = used.setdefault(match.group(1), set())
        value = ""
        for _ in range(12):
            value = filler(rng) if callable(filler) else rng.choice(filler)
            if value not in taken:
                break
        taken.add(value)
        if match.start() == 0 or template[: match.start()].endswith(". "):
            return value[0].upper() + value[1:]
        return value

    return _SLOT.sub(pick, template)


TOPICS: tuple[Topic, ...] = (
    Topic(
        "advert_price",
        AWARENESS,
        False,
        46,
        "fading",
        (
            "Your TV advert said {monthly} a month but the quote I got was nearly double once "
            "the standing charge went on.",
            "The bus stop poster in {city} shows a price nobody can actually get. Felt like bait.",
            "Saw the advert promising the cheapest fixed deal in the country. Checked it against "
            "my current bill and it was {percent}% dearer.",
            "Advert says 'from {small_amount} a week'. The small print says that only applies to "
            "a one-bed flat with no gas. Misleading.",
            "Your radio ad on {weekday} morning quoted a price that isn't on your website anywhere.",
            "Clicked the online advert for the {tariff} tariff and landed on a page with a "
            "different, higher price.",
            "The headline price in your adverts leaves out the standing charge, which is most of "
            "my bill in summer.",
            "I only looked at Larkspur because of the leaflet price. When I entered my postcode "
            "it jumped by {amount} a year.",
            "Advertising a price that only exists for people paying a year upfront is misleading "
            "to the rest of us.",
            "Your advert claims 'no hidden costs' and then the quote lists a set-up charge of "
            "{small_amount}.",
            "The advert price turns out to be electricity only. You have to read three pages to "
            "find that out.",
            "Billboard on the ring road in {city} says one price, your quote says another. Which "
            "is the advert price for, exactly?",
        ),
        (
            "Advert price is not the real price.",
            "misleading advert",
            "that advert price is fiction",
            "Poster price is nothing like the quote.",
        ),
    ),
    Topic(
        "comparison_site",
        AWARENESS,
        False,
        30,
        "steady",
        (
            "On {site} you show as {amount} a year, but your own site quoted me more for the same usage.",
            "You don't appear on {site} at all any more, I only found you by accident.",
            "The {tariff} tariff listed on {site} was withdrawn weeks ago according to your chat team.",
            "Comparison sites list you near the top but the price they show has been out of date "
            "since {month}.",
            "Went through {site}, chose you, then got an email saying the deal I picked had ended. "
            "Why is it still listed on the comparison site?",
            "Your listing on {site} says no exit fees on {tariff}. Your contract says otherwise.",
            "{site} sent me to you with a cashback offer that you then said you knew nothing about.",
            "Prices on {site} and on larkspur.example don't match. Which one is real?",
            "I compare suppliers every year on {site}. This year your comparison site price "
            "vanished the moment I clicked through.",
            "The comparison site said your {tariff} deal was {amount} cheaper than mine. By the "
            "time I got to your page it wasn't.",
        ),
        (
            "{site} price is out of date",
            "not listed on {site}??",
            "comparison site price wrong again",
        ),
    ),
    Topic(
        "word_of_mouth",
        AWARENESS,
        True,
        28,
        "steady",
        (
            "{relative} recommended you after a good experience with a boiler breakdown, that's "
            "why I switched.",
            "Heard about Larkspur from {relative}. They said the customer service was the best "
            "they've had from an energy company.",
            "Everyone on our street in {city} seems to be with you now. Word of mouth is doing "
            "your marketing for you.",
            "{relative} sent me a referral link and we both got {small_amount} credit. Easy.",
            "I was recommended by {relative}, who never recommends anything, so that says a lot.",
            "Joined because {relative} raved about the app and the smart meter graphs.",
            "A neighbour in {city} showed me her bills with you and they were genuinely lower "
            "than mine. Recommended.",
            "Our community Facebook group kept recommending Larkspur, so I gave it a go.",
            "Heard good things at the school gate, of all places. Happy so far.",
            "{relative} recommended you and I've since recommended you to two friends myself.",
        ),
        (
            "Recommended by a friend 👍",
            "word of mouth brought me here",
            "came on a friend's recommendation, no regrets",
        ),
    ),
    Topic(
        "green_claims",
        AWARENESS,
        False,
        16,
        "steady",
        (
            "Your adverts say 100% renewable electricity but there's no detail on where it "
            "actually comes from.",
            "Is the green tariff real renewable power or just certificates? The website doesn't say.",
            "The green claims on your homepage are vague. Which wind farms? How much of the gas is offset?",
            "Would love to trust the renewable claim but I can't find a fuel mix disclosure "
            "anywhere on larkspur.example.",
            "Your leaflet talks about 'clean energy' but the gas is the same fossil gas as "
            "everyone else's, surely.",
            "I chose you for the green electricity. Would be nice to see proof, like a yearly "
            "report of where it came from.",
            "Green marketing is everywhere on your site but the facts are buried. Please publish "
            "the renewable fuel mix clearly.",
            "The renewable badge on the advert links to a page that just says 'coming soon'.",
            "If the electricity is really renewable, say which generators. Otherwise it's just "
            "green paint on an advert.",
        ),
        (
            "how green is the green tariff really?",
            "renewable claim needs evidence",
        ),
    ),
    Topic(
        "doorstep_sales",
        AWARENESS,
        False,
        14,
        "rising",
        (
            "A salesman in a Larkspur jacket knocked at {evening} on a {weekday} and would not "
            "take no for an answer.",
            "Door-to-door sales rep told my elderly mum she had to switch to Larkspur or lose her "
            "supply. That is a lie.",
            "Your doorstep sellers in {city} are pushy and rude. Is this really how you want to be known?",
            "Someone came to the door claiming to be from Larkspur and asked to see my bill. Is "
            "that genuine?",
            "The door-to-door rep promised a price he wouldn't write down. Not a good first impression.",
            "Had three knocks in one week from your doorstep sales team. Please put me on a "
            "do-not-knock list.",
            "Pushy doorstep salesman refused to leave a leaflet, just wanted my bank details on a tablet.",
            "Your door knockers in {city} are worse than the double glazing lot.",
        ),
        (
            "stop sending door to door sales people",
            "pushy doorstep seller again",
        ),
        span=120,
    ),
    Topic(
        "tariff_confusing",
        CONSIDER,
        False,
        50,
        "steady",
        (
            "I can't tell the difference between {tariff} and {tariff} from the tariff page. "
            "Which one is cheaper for a family of four?",
            "Comparing your tariffs is a nightmare. Unit rates in pence, standing charges per "
            "day, all on different pages.",
            "The tariff comparison table doesn't include the standing charge, so it's useless.",
            "Why are there six tariffs that all look the same? Just tell me which tariff is "
            "cheapest for my usage.",
            "The tariff calculator asked for my annual kWh, which I don't know. No option to "
            "estimate it from my bill.",
            "Spent {minutes} minutes on your tariff page and still don't understand whether "
            "{tariff} is fixed or variable.",
            "Your tariff names mean nothing. What is the actual difference between Flex Saver "
            "and Green Tracker?",
            "Unit rates for day and night on the {tariff} page are in a tiny table that doesn't "
            "fit on a phone screen.",
            "Tariff comparison would be easier if you just showed an estimated yearly cost for a "
            "home like mine.",
            "The tariff page says prices vary by region but doesn't let me enter my postcode "
            "until the very end.",
            "Confusing tariffs. I had to ring up to get someone to explain the {tariff} unit rates.",
            "Please add a side-by-side tariff comparison. Flipping between tabs to compare unit "
            "rates is painful.",
        ),
        (
            "tariffs are confusing",
            "which tariff is cheapest?? no idea",
            "tariff page makes no sense",
        ),
    ),
    Topic(
        "exit_fees",
        CONSIDER,
        False,
        32,
        "steady",
        (
            "Nowhere on the quote does it say what the exit fee is if I leave the {tariff} tariff early.",
            "The contract terms mention 'early exit fees may apply'. May? How much?",
            "I was told there were no exit fees on the phone and now the contract says {fee}.",
            "Exit fees are hidden on page {page} of the terms and conditions. They should be on "
            "the first screen.",
            "Before I sign up I need to know the exit fee if I move house. Your FAQ is silent on it.",
            "The contract length and exit fee are not on the summary page. I only found them in a PDF.",
            "Does the exit fee apply if I move to another Larkspur tariff? The contract terms don't say.",
            "Not signing up until someone explains the exit fees in plain English.",
            "The key facts sheet lists the exit fee as 'see terms'. That's not a key fact.",
            "Your chat agent and your contract disagree about the early exit fee on {tariff}.",
        ),
        (
            "exit fees unclear",
            "how much is the exit fee to leave early?",
        ),
    ),
    Topic(
        "install_quote",
        CONSIDER,
        False,
        26,
        "steady",
        (
            "Requested a quote for a {appliance} {weeks} weeks ago and still nothing.",
            "The {appliance} quote went up by {amount} between the survey and the written quote "
            "with no explanation.",
            "Surveyor came round for the {appliance} quote, was here ten minutes, and the quote "
            "came back with the wrong measurements.",
            "I asked for a {appliance} quote online and got three phone calls but no actual quote.",
            "Your {appliance} quote doesn't say whether the grant is already deducted.",
            "The {appliance} quote is valid for 14 days but it took you a month to send it.",
            "Got two different quotes from Larkspur for the same {appliance}, one by email and "
            "one by post. Which is right?",
            "I'd like a breakdown of the {appliance} quote: parts, labour, scaffolding. One big "
            "number isn't enough.",
            "The online {appliance} quote tool ends with 'an adviser will be in touch'. Nobody was.",
        ),
        (
            "still waiting on my {appliance} quote",
            "quote never arrived",
        ),
    ),
    Topic(
        "signup_form",
        CONSIDER,
        False,
        30,
        "rising",
        (
            "The sign-up form won't accept my postcode ({postcode}). Says 'address not found'.",
            "Got to the last page of the sign-up form and it timed out. Had to start again. Twice.",
            "Your sign-up form insists on a meter serial number. I don't know where to find it "
            "and there's no help text.",
            "Sign-up page threw an error on {weekday} evening after I entered my bank details. "
            "Did it take the money or not?",
            "The online sign-up form doesn't let you join for gas only. Why?",
            "Date of birth field on the sign-up form rejects dates before 1950. My dad is 81.",
            "Tried signing up on my {device} and the 'Continue' button is hidden behind the cookie banner.",
            "Sign-up form cleared everything when I pressed back to fix a typo in my email address.",
            "Every time I try to sign up online I get 'Something went wrong (code 502)'. Gave up.",
            "The new sign-up form asks for my previous supplier from a dropdown that doesn't include mine.",
        ),
        (
            "signup form broken",
            "can't get past the sign up page",
            "sign-up form error again",
        ),
        span=60,
    ),
    Topic(
        "helpful_advisor",
        CONSIDER,
        True,
        16,
        "steady",
        (
            "{advisor} on live chat explained the difference between the tariffs in two minutes. Brilliant.",
            "Rang with questions about the {tariff} tariff and {advisor} was patient and clear. "
            "Signed up straight after.",
            "Best thing about signing up: the price breakdown showing the standing charge and "
            "unit rates clearly.",
            "The quote summary was the clearest pricing I've seen from any energy company.",
            "{advisor} didn't push the most expensive tariff, just told me which suited my usage. "
            "Refreshing.",
            "The sales adviser was honest about the exit fees. That's why I chose you.",
            "Really clear pricing page once you find it. The yearly estimate for my house was spot on.",
            "Chat adviser {advisor} sent me a written summary of the tariff after our "
            "conversation. Very helpful.",
        ),
        (
            "helpful adviser, clear pricing 👍",
            "{advisor} on chat was great",
        ),
    ),
    Topic(
        "smart_meter_install",
        ACTION,
        False,
        60,
        "steady",
        (
            "Smart meter installation was booked for {weekday} {time_slot}. Nobody turned up and "
            "nobody called.",
            "This is the third time my smart meter appointment has been cancelled the day before.",
            "Took a day off work for the smart meter installation. Engineer cancelled at {late_time}.",
            "Still no smart meter {weeks} weeks after I signed up, despite the website saying two weeks.",
            "Smart meter install was rescheduled without asking me. The new date is a {weekday} "
            "when I'm at work.",
            "The engineer arrived for the smart meter fitting but didn't have the right meter for "
            "a gas supply, so left.",
            "I was promised a smart meter installation in {month}. {weeks} weeks on I'm still "
            "reading the dial with a torch.",
            "The booking system only offers smart meter installation slots {weeks} weeks away. "
            "Not good enough.",
            "My smart meter installation was half done: electricity fitted, gas 'to follow'. "
            "That was {weeks} weeks ago.",
            "Smart meter appointment confirmation said {time_slot}, engineer rang at 7am saying "
            "he was outside.",
            "Why does a smart meter installation need three appointments? First no parking, then "
            "wrong meter, then no show.",
            "I've rebooked the smart meter install {n} times now. Reference LH-{ref}.",
        ),
        (
            "where is my smart meter engineer?",
            "smart meter install cancelled AGAIN",
            "no show for meter install",
        ),
    ),
    Topic(
        "estimated_bill",
        ACTION,
        False,
        55,
        "steady",
        (
            "My bill was estimated at {amount} even though I sent a meter reading on {weekday}.",
            "Estimated bill again. The reading you used is higher than what's on the meter right now.",
            "You estimated my gas usage at nearly double what I actually use. Bill {amount}, "
            "should be about half that.",
            "Why is my bill estimated when I have a smart meter? It's supposed to send readings "
            "automatically.",
            "I submitted a photo of the meter reading ({kwh}) and the bill still uses an estimate.",
            "Estimated readings for {n} months in a row and now a catch-up bill of {amount}. "
            "Nobody warned me.",
            "The bill says 'E' next to the reading. I've sent actual readings every month through the app.",
            "Bill for {month} is estimated from the previous tenant's usage, not from the reading "
            "I gave when I moved in.",
            "Your estimate assumes I heat the house all day. I'm out at work. Please bill my real readings.",
            "Got a bill for {amount} based on an estimated reading. When I queried it I was told "
            "to wait for the next bill.",
            "Estimated bill is wrong, my real meter reading is {kwh}. Please correct it before "
            "taking the payment.",
        ),
        (
            "bill estimated wrong again",
            "why is my bill estimated??",
            "wrong bill, wrong reading",
        ),
    ),
    Topic(
        "refund_slow",
        ACTION,
        False,
        40,
        "rising",
        (
            "I closed my account in {month} and I'm still waiting for my credit balance of "
            "{amount} to be refunded.",
            "Refund was promised within 10 working days. It's been {weeks} weeks.",
            "Requested a refund of {amount} from my account, got an email saying approved, but "
            "no money in my bank.",
            "Every time I chase my refund I'm told it's 'with the finance team'. Reference LH-{ref}.",
            "Your refund process takes weeks. You took my payment in seconds.",
            "The refund for the overpayment on my final bill still hasn't arrived after {days} days.",
            "Why does a refund need a cheque? I gave you my bank details. Still waiting {weeks} weeks later.",
            "Refund of my credit balance was approved and then reversed without explanation.",
            "Still no refund. I'm starting to think I'll need to go to the ombudsman.",
            "You owe me {amount}. The refund was due on {weekday} and has not arrived.",
        ),
        (
            "still waiting for my refund",
            "where's my refund",
            "refund takes forever",
        ),
        span=200,
    ),
    Topic(
        "app_logout",
        ACTION,
        False,
        48,
        "rising",
        (
            "Since the {version} update the app logs me out every time I switch to another app.",
            "App logs me out constantly. Face ID used to work, now I have to type my password every time.",
            "Can't submit a meter reading, the app logs me out halfway through.",
            "The app crashed on my {device} as soon as I opened the bills tab, then logged me out.",
            "Updated to {version} and now the app won't stay logged in for more than a minute.",
            "App keeps logging me out and then says my password is wrong. Reset it three times today.",
            "Logged out of the app again mid-payment. Did the payment go through? No idea.",
            "The app on my {device} shows a blank screen after login, then kicks me back to the login page.",
            "Please fix the logout bug in {version}. The app is unusable on my {device}.",
            "App session expires after seconds. Used to be a great app, now logging in is a chore.",
            "Every morning the app has logged me out and the login code takes ages to arrive.",
        ),
        (
            "app crashed again",
            "app keeps logging me out",
            "logged out AGAIN",
            "fix the app pls",
        ),
        span=75,
        app=True,
    ),
    Topic(
        "call_wait",
        ACTION,
        False,
        45,
        "steady",
        (
            "Waited {hold} on hold to speak to someone about my account.",
            "Your call centre is impossible. {hold} on hold and then the line went dead.",
            "Rang at 9am on {weekday}, still on hold at 10.15. Gave up.",
            "The hold music is the only consistent thing about your phone line. {hold} on hold today.",
            "Phoned three times this week, each time over {minutes} minutes waiting on hold.",
            "The call centre message said the wait was 5 minutes. It was {hold}.",
            "The callback option never calls back. I asked for one on {weekday} and I'm still waiting.",
            "Long waits on the phone every time. Please hire more call centre staff.",
            "Spent my whole lunch break on hold to the call centre and didn't get through.",
            "Phone queue position went from 12 to 15 to 20 while I was on hold. How does that even happen?",
        ),
        (
            "{hold} on hold. unacceptable",
            "phone line useless, on hold forever",
            "hold times are a joke",
        ),
    ),
    Topic(
        "friendly_engineer",
        ACTION,
        True,
        30,
        "steady",
        (
            "{engineer} who fitted our smart meter was friendly, quick and tidied up afterwards.",
            "Lovely engineer, explained the in-home display to my mum and made sure she was "
            "comfortable with it.",
            "The engineer arrived on time, wore shoe covers and was done in under an hour. Excellent.",
            "{engineer} went above and beyond, spotted a loose cable on our old meter board and "
            "made it safe.",
            "Friendly engineer, answered all my questions about the {appliance} without making "
            "me feel stupid.",
            "Really pleased with the installation visit. {engineer} was polite and professional.",
            "The engineer rang ahead to say they were 10 minutes away. Small thing but really appreciated.",
            "Credit to {engineer}, who dealt with our barking dog and cramped meter cupboard with "
            "good humour.",
            "Installer was courteous and careful, left everything as they found it.",
            "Great engineer visit in {city} today, friendly and efficient.",
        ),
        (
            "friendly engineer 😊",
            "great engineer, thank you {engineer}",
        ),
    ),
    Topic(
        "switch_smooth",
        ACTION,
        True,
        26,
        "steady",
        (
            "Switching to Larkspur was painless. Took {short_minutes} minutes online and you "
            "handled the rest.",
            "The switch went through in {switch_days} days exactly as promised. No gap in supply.",
            "Easiest switch I've ever done. The old supplier didn't even notice until the final bill.",
            "Loved the switch updates by email, always knew what stage the switch was at.",
            "Switched from my old supplier in {month}, zero hassle.",
            "Smooth switchover, the opening readings came from the smart meter so I didn't have "
            "to do anything.",
            "I was nervous about switching but it was honestly seamless.",
            "Switching was clear and quick. Welcome pack arrived the next {weekday}.",
            "Switch completed on time and the first bill was exactly what the quote said.",
        ),
        (
            "easy switch!",
            "switch was seamless 👍",
        ),
    ),
    Topic(
        "power_cut",
        ACTION,
        False,
        18,
        "burst",
        (
            "Power cut on {weekday} night in {city}, no updates on your website or the app for hours.",
            "We had no electricity for {n} hours and the outage map said 'no known issues'.",
            "During the power cut your phone line just played a recorded message with no idea "
            "of when power would return.",
            "Outage notifications would be nice. Found out about the power cut from a "
            "neighbour's Facebook post.",
            "After the storm our power was off overnight and nobody from Larkspur got in touch.",
            "I'm on the priority services register and nobody checked on me during the power cut.",
            "Power came back but the app still said there was an outage in our area for two days.",
            "The outage page on larkspur.example was down during the outage. Ironic.",
            "Texts about the power cut arrived after the power was back on.",
        ),
        (
            "power cut, no info",
            "outage map is useless",
        ),
        span=24,
    ),
    Topic(
        "direct_debit",
        ACTION,
        False,
        28,
        "rising",
        (
            "My direct debit went up by {small_amount} a month with no explanation.",
            "You increased my monthly direct debit even though my account is in credit.",
            "Direct debit review says I'm in debt but my own readings say otherwise.",
            "Nobody asked me before raising my direct debit by {percent}%.",
            "The letter about the new direct debit arrived after the payment had already been taken.",
            "I lowered my direct debit in the app and it went back up the next month.",
            "Why is my direct debit {amount} when my usage is lower than last year?",
            "Direct debit increase email had no breakdown, just a new number.",
            "Please explain how the direct debit is worked out. It jumped again in {month}.",
        ),
        (
            "direct debit up again??",
            "DD increase with no explanation",
        ),
        span=150,
    ),
    Topic(
        "usage_insights",
        ACTION,
        True,
        20,
        "rising",
        (
            "Love the usage graphs in the app. Found out the tumble dryer was costing us "
            "{small_amount} a month.",
            "The half-hourly usage chart is brilliant, helped us cut our bill.",
            "Really like the weekly usage email, makes it easy to spot when the heating was left on.",
            "The app's usage breakdown by day is the best feature. My kids now compete to use less.",
            "Usage insights in the app are genuinely useful, no other supplier had this.",
            "Checking my usage graph each morning has become a habit. Nice work.",
            "The comparison with similar homes in the app is motivating. We're using {percent}% "
            "less than last winter.",
            "The in-home display plus the app usage graphs finally made me understand what a kWh is.",
        ),
        (
            "love the usage graphs",
            "usage charts 💚",
        ),
        span=180,
        app=True,
    ),
)


def _customer(
    name: str, organisation: str | None, segment: str, email: str | None, quote: bool, contact: bool
) -> DemoCustomer:
    """A positional shorthand that keeps the customer table readable."""
    return DemoCustomer(name, organisation, segment, email, quote, contact)


RESIDENTIAL, SMALL_BUSINESS, LANDLORD = "Residential", "Small business", "Landlord"
PREPAYMENT, COMMUNITY = "Prepayment", "Community group"

CUSTOMERS: tuple[DemoCustomer, ...] = (
    _customer("Priya Natarajan", None, RESIDENTIAL, "priya.natarajan@example.com", True, True),
    _customer("Tom Okafor", "Hollin Bakery", SMALL_BUSINESS, "tom@hollinbakery.example", True, False),
    _customer("Margaret Dunmore", None, RESIDENTIAL, "m.dunmore@example.org", False, False),
    _customer("Hamid Rahimi", "Rahimi Lettings", LANDLORD, "hamid@rahimilettings.example", False, True),
    _customer("Shannon Reilly", None, PREPAYMENT, "shannon.reilly@example.net", True, True),
    _customer("Irene Pratt", None, RESIDENTIAL, None, False, False),
    _customer("Ben Achterberg", None, RESIDENTIAL, "ben.a@example.com", True, True),
    _customer(
        "Carol Whitfield",
        "St Aidan's Community Hall",
        COMMUNITY,
        "treasurer@staidanshall.example",
        True,
        False,
    ),
    _customer("Lucía Ferreira", "Bean There Café", SMALL_BUSINESS, "hello@beanthere.example", True, True),
    _customer("Owen Parry", None, RESIDENTIAL, "owen.parry@example.org", False, True),
    _customer("Judith Kaye", None, RESIDENTIAL, "judith.kaye@example.com", True, False),
    _customer("Kai Mensah", None, RESIDENTIAL, "kai.mensah@example.net", True, True),
    _customer(
        "Sandeep Gill",
        "Gill Property Management",
        LANDLORD,
        "sandeep@gillproperty.example",
        False,
        False,
    ),
    _customer("Rhian Evans", None, RESIDENTIAL, "rhian.evans@example.org", True, True),
    _customer("Derek Holloway", None, RESIDENTIAL, "derek.h@example.com", False, False),
    _customer(
        "Aoife Brennan",
        "Brennan Joinery",
        SMALL_BUSINESS,
        "aoife@brennanjoinery.example",
        True,
        True,
    ),
    _customer("Edna Clarke", None, RESIDENTIAL, None, False, False),
    _customer("Marcus Bell", None, PREPAYMENT, "marcus.bell@example.com", False, True),
    _customer("Fatima Sheikh", None, RESIDENTIAL, "fatima.sheikh@example.com", True, True),
    _customer("Liam Doherty", None, RESIDENTIAL, "liam.doherty@example.org", False, True),
    _customer("Chloe Barnes", None, RESIDENTIAL, "chloe.barnes@example.net", True, False),
    _customer(
        "Ravi Chandran",
        "Chandran Pharmacy",
        SMALL_BUSINESS,
        "ravi@chandranpharmacy.example",
        False,
        True,
    ),
    _customer(
        "Helen Marsh",
        "Marsh Lane Garage",
        SMALL_BUSINESS,
        "office@marshlanegarage.example",
        True,
        True,
    ),
    _customer("Peter Lindqvist", None, LANDLORD, "peter.lindqvist@example.com", False, False),
    _customer("Grace Adeyemi", None, RESIDENTIAL, "grace.adeyemi@example.org", True, True),
    _customer("Stuart McLean", None, RESIDENTIAL, "stuart.mclean@example.com", False, False),
    _customer("Nadia Haddad", None, RESIDENTIAL, "nadia.haddad@example.net", True, False),
    _customer(
        "Wendy Fairclough",
        "Ridgeway Allotment Society",
        COMMUNITY,
        "secretary@ridgewayallotments.example",
        False,
        True,
    ),
    _customer("Joseph Mwangi", None, RESIDENTIAL, "joseph.mwangi@example.com", True, True),
    _customer("Emily Thornton", None, RESIDENTIAL, "emily.thornton@example.org", False, True),
    _customer("Alan Beckett", None, PREPAYMENT, None, False, False),
    _customer(
        "Zara Hussain",
        "Quayside Yoga Studio",
        SMALL_BUSINESS,
        "zara@quaysideyoga.example",
        True,
        True,
    ),
    _customer("Colin Pearce", None, RESIDENTIAL, "colin.pearce@example.com", False, False),
    _customer("Yvonne Osei", None, RESIDENTIAL, "yvonne.osei@example.net", True, False),
    _customer("Daniel Kowalski", "Kowalski Homes", LANDLORD, "daniel@kowalskihomes.example", True, True),
    _customer("Sophie Lang", None, RESIDENTIAL, "sophie.lang@example.org", False, True),
    _customer("Arjun Mehta", None, RESIDENTIAL, "arjun.mehta@example.com", True, True),
    _customer("Bridget O'Neill", None, RESIDENTIAL, "bridget.oneill@example.com", False, False),
    _customer(
        "Tariq Aziz",
        "Aziz Convenience Store",
        SMALL_BUSINESS,
        "tariq@azizstore.example",
        False,
        True,
    ),
    _customer("Moira Campbell", None, RESIDENTIAL, "moira.campbell@example.org", True, False),
    _customer("Frank Osborne", None, LANDLORD, "frank.osborne@example.net", False, True),
    _customer("Leanne Moss", None, PREPAYMENT, "leanne.moss@example.com", True, True),
    _customer(
        "Hugo Marchetti",
        "Marchetti & Sons Dental",
        SMALL_BUSINESS,
        "practice@marchettidental.example",
        False,
        False,
    ),
    _customer("Jasmine Cole", None, RESIDENTIAL, "jasmine.cole@example.com", True, True),
    _customer("Patrick Nolan", None, RESIDENTIAL, None, False, False),
    _customer("Ewa Nowak", None, RESIDENTIAL, "ewa.nowak@example.org", True, True),
    _customer(
        "Ruth Ambrose",
        "Canal Street Tenants' Association",
        COMMUNITY,
        "ruth.ambrose@example.org",
        True,
        True,
    ),
    _customer("Simon Hale", None, RESIDENTIAL, "simon.hale@example.com", False, True),
)

# (customer index, place, notes, quotes as (text, stage)); dates and lengths come from the seed.
INTERVIEWS: tuple[tuple[int, str, str, tuple[tuple[str, str | None], ...]], ...] = (
    (
        0,
        "Customer's home, Leeds",
        "Walked through her last three bills at the kitchen table. She keeps a paper log of "
        "meter readings and is frustrated that the bills ignore it.",
        (
            ("I write the reading on the calendar every month and the bill still says estimated.", ACTION),
            (
                "When the bill came for three hundred pounds I honestly thought it was a mistake, "
                "and it was.",
                ACTION,
            ),
            ("The engineer who came for the meter was lovely, I just wish he'd come the first time.", ACTION),
        ),
    ),
    (
        1,
        "Customer's shop, Bristol",
        "Talked between customers at the bakery counter. The business quote took a month and "
        "the unknown exit fee held him back from signing.",
        (
            ("I needed the quote in a week because my old contract was ending. It took a month.", CONSIDER),
            ("Nobody could tell me what it would cost to leave if the shop closes.", CONSIDER),
            ("Once it was set up, fine, the switch itself was easy.", ACTION),
        ),
    ),
    (
        2,
        "Pop-up stand, Market Square, Norwich",
        "Stopped at the stand after seeing the poster. We compared the poster price with her "
        "quote on the tablet; the gap was about a third.",
        (
            ("The poster said one price and your tablet says another. Which is it?", AWARENESS),
            ("I'd never heard of you until my neighbour mentioned you.", AWARENESS),
        ),
    ),
    (
        3,
        "Video call",
        "Manages eleven flats. Bills for empty flats between tenants and time on hold take up "
        "most of his week with us.",
        (
            ("Every time a tenant moves out I get an estimated bill for the empty flat.", ACTION),
            ("I've spent more time on hold with you this year than with my accountant.", ACTION),
            ("The refund of the old tenant's credit took two months, and they blamed me.", ACTION),
            ("I'd move all eleven flats over if one screen showed them together.", None),
        ),
    ),
    (
        4,
        "Community hall, Sheffield",
        "Came to the advice session with a support worker. Topping up through the app is "
        "stressful because it logs her out.",
        (
            ("If the app logs me out while I'm topping up I don't know if the money went.", ACTION),
            ("I need to top up on the bus, not sit there typing passwords.", ACTION),
            ("The man who fitted the meter took time to show me the display. That helped.", ACTION),
        ),
    ),
    (
        5,
        "Customer's home, York",
        "Retired couple, both in their eighties. The storm power cut left them without news "
        "for most of a night.",
        (
            ("When the power went in the storm we sat in the dark not knowing if anyone knew.", ACTION),
            ("I'm on the priority list and nobody rang.", ACTION),
            ("A text with a time on it would have been enough.", ACTION),
        ),
    ),
    (
        6,
        "Phone call",
        "Electric car owner weighing up the EV Night Rate. Found the tariff page hard going "
        "but the chat adviser cleared it up.",
        (
            ("I read the EV tariff page three times and still couldn't work out the night hours.", CONSIDER),
            ("The comparison site showed a rate that you then said had ended.", AWARENESS),
            ("The chat adviser was great, she explained it in two lines.", CONSIDER),
        ),
    ),
    (
        7,
        "Community hall, Derby",
        "Volunteer treasurer of a community hall. Needs predictable costs for the committee "
        "and was caught out by a direct debit rise.",
        (
            ("We're volunteers; we need one clear price we can put in the budget.", CONSIDER),
            (
                "The direct debit went up by forty pounds and the committee asked me why. I "
                "couldn't tell them.",
                ACTION,
            ),
            ("Your door-to-door man came to the hall in the middle of toddler group.", AWARENESS),
        ),
    ),
    (
        8,
        "Café near the customer's office, Manchester",
        "Café owner. The sign-up form rejected the flat-above-a-shop address; the usage "
        "graphs have since changed how they run the kitchen.",
        (
            ("Your sign-up form kept rejecting our address because it's above a shop.", CONSIDER),
            ("I heard about you from another café owner, that's how most of us find suppliers.", AWARENESS),
            ("The half-hourly graph showed the coffee machine was on all night.", ACTION),
        ),
    ),
    (
        9,
        "Pop-up stand, Market Square, Swindon",
        "Short chat at the stand. Chose us for green electricity and wants evidence to pass on.",
        (
            ("The advert said green energy. I'd like to know how green.", AWARENESS),
            ("If you printed the fuel mix on the bill I'd tell everyone.", AWARENESS),
        ),
    ),
    (
        10,
        "Customer's home, Exeter",
        "Heat pump installed last autumn. Unhappy with the quoting, full of praise for the installers.",
        (
            (
                "The surveyor measured the wrong room, so the heat pump quote was for a smaller house.",
                CONSIDER,
            ),
            ("The price went up between the visit and the written quote and nobody said why.", CONSIDER),
            ("Once the installers came they were brilliant, tidy and friendly.", ACTION),
            ("I'd recommend the installation team, not the quoting process.", ACTION),
        ),
    ),
    (
        11,
        "Video call",
        "Heavy app user in his twenties. Picked Larkspur for the app and is close to leaving "
        "over the logout bug.",
        (
            ("The app was the reason I picked you.", AWARENESS),
            ("Since the update it logs me out every single time.", ACTION),
            ("I love the usage chart, when I can actually get into it.", ACTION),
        ),
    ),
    (
        12,
        "Letting agent's office, Leeds",
        "Property manager with mixed business and domestic supplies. Contract terms and "
        "tenant refunds are the pain.",
        (
            ("The exit fees on the business contract were in a PDF nobody reads.", CONSIDER),
            ("I asked for a refund of a tenant's credit and the cheque went to an empty flat.", ACTION),
        ),
    ),
    (
        13,
        "Customer's home, Cardiff",
        "Switched three months ago from a large supplier. Mostly positive; a high first direct "
        "debit worried her.",
        (
            ("Honestly the switch was the easiest thing I did all year.", ACTION),
            ("The welcome email told me exactly what would happen and when.", ACTION),
            ("My only gripe is the direct debit looked high at first.", ACTION),
        ),
    ),
    (
        14,
        "Pop-up stand, Broad Street, Hull",
        "Came to the stand specifically to complain about a doorstep salesman, calmly and in detail.",
        (
            ("A salesman at my door told me I had to switch. I nearly reported you.", AWARENESS),
            ("I came over to tell you that to your face, nicely.", None),
        ),
    ),
    (
        15,
        "Customer's workshop, Preston",
        "Joinery workshop with three-phase supply. Smart meter install dates kept moving; "
        "the business phone line is slow.",
        (
            ("I rang four times about the smart meter. Each time a different date.", ACTION),
            ("The hold time on the business line is worse than on the home line.", ACTION),
            ("When someone finally answered she sorted it in five minutes.", ACTION),
        ),
    ),
    (
        16,
        "Phone call",
        "Sixty-eight, no internet at home. The tariff page printout her granddaughter made "
        "did not help her choose.",
        (
            ("I printed out the tariff page and still needed a calculator.", CONSIDER),
            ("I don't know what a standing charge is and I'm sixty-eight.", CONSIDER),
            ("My granddaughter found you on a comparison site.", AWARENESS),
        ),
    ),
    (
        17,
        "Advice session, food bank, Luton",
        "Prepayment customer on a tight budget. Adverts did not apply to key meters; the phone "
        "queue is longer than his emergency credit lasts.",
        (
            ("The advert made it sound cheaper than it is for people like me on a key meter.", AWARENESS),
            ("Getting through on the phone takes longer than the emergency credit lasts.", ACTION),
            ("The lady on the phone set up a payment plan kindly.", ACTION),
        ),
    ),
)

# Items written out whole: markup pasted into complaints, URLs, long letters, and untagged notes.
# (text, channel, source, stage)
SPECIAL_ITEMS: tuple[tuple[str, str, str | None, str | None], ...] = (
    (
        "Your payment page showed me this instead of my bill: <script>alert('x')</script> and "
        "then went blank. Is my card safe?? Ref LH-40817",
        "ticket",
        "Helpdesk",
        ACTION,
    ),
    (
        "Copying the error page I got when I tried to pay, in case it helps your IT people:\n"
        "<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>\n"
        "This was at https://larkspur.example/account/pay?amount=120&ref=LH-55210",
        "ticket",
        "Helpdesk",
        ACTION,
    ),
    (
        "Typed my name as <b>Sam</b> into the contact form by mistake and the confirmation page "
        "showed it in bold. Not reassuring from a company holding my bank details.",
        "review",
        "TrustMark Reviews",
        CONSIDER,
    ),
    (
        'Quote tool says "Total: {{ total }}" instead of a number 🙃 '
        "https://larkspur.example/quote?postcode=LS6&src=<img src=x onerror=alert(1)>",
        "social",
        "X",
        CONSIDER,
    ),
    (
        "Your letter is addressed to Robert'); DROP TABLE customers;-- which is not my name. "
        "Please fix it before the next bill goes out.",
        "other",
        "Letter",
        ACTION,
    ),
    (
        "The help article at https://help.larkspur.example/articles/3312 about smart meter "
        'installation says "<insert date here>" where the date should be & the link at the '
        "bottom is broken.",
        "social",
        "Community forum",
        ACTION,
    ),
    (
        "Dear Larkspur,\n\nI am writing because I have now contacted you six times about my "
        "account. In March my smart meter stopped sending readings. In April I received an "
        "estimated bill for £412.60. In May I was told the meter would be replaced, and an "
        "engineer was booked for a Tuesday morning. Nobody came. In June the appointment was "
        "rebooked and cancelled by text the night before.\n\nMeanwhile my direct debit has gone "
        "up twice and I have spent more than three hours on hold in total. Tickets LH-31877, "
        "LH-32904 and LH-34410 all say 'resolved'. They are not resolved.\n\nPlease can someone "
        "senior take ownership of this and call me. I would rather not go to the ombudsman but "
        "I will if I must.\n\nYours faithfully,\nA very patient customer",
        "other",
        "Email to CEO office",
        ACTION,
    ),
    (
        "Long one, sorry. We moved into the flat on the 3rd and I gave you opening readings the "
        "same day (photos attached to ticket LH-47720). The first bill used the previous "
        "tenant's estimate instead, so it was £289 rather than about £90. I called, waited 50 "
        "minutes, and was told to send the readings again, which I did through the app, which "
        "then logged me out twice before accepting them. The corrected bill came three weeks "
        "later with a credit, and I asked for that credit back. That refund was 'approved' on "
        "the 14th and still hasn't arrived. None of these is a disaster on its own but together "
        "it's exhausting. The engineer who came about the meter was great though.",
        "ticket",
        "Helpdesk",
        ACTION,
    ),
    ("Can you send bills in large print? My eyesight isn't what it was.", "other", "Letter", None),
    ("Moving house next month, what do I need to do?", "ticket", "Live chat", None),
    ("n/a", "survey", "Pulseform NPS", None),
    ("nothing to add", "survey", "Pulseform NPS", None),
    ("Do you sponsor the Swindon under-11s? Saw your logo on their shirts.", "social", "Facebook", None),
    ("Is there a Welsh language version of the website?", "other", "Energy fair", None),
    ("asdfgh", "survey", "Onboarding survey", None),
    ("Please stop sending me surveys about surveys.", "survey", "Pulseform NPS", None),
    ("Whole experience 10/10 so far, keep it up Larkspur 🙌🙌", "social", "X", ACTION),
    (
        "Fine. Nothing special, nothing wrong.",
        "survey",
        "Pulseform NPS",
        None,
    ),
)

# Where each channel's items come from, with relative weights.
SOURCES: dict[str, tuple[tuple[str | None, int], ...]] = {
    "survey": (("Pulseform NPS", 3), ("Onboarding survey", 1)),
    "ticket": (("Helpdesk", 7), ("Live chat", 3)),
    "review": (("TrustMark Reviews", 6), ("Google Play", 1), ("App Store", 1)),
    "app_review": (("App Store", 1), ("Google Play", 1)),
    "social": (("X", 9), ("Facebook", 7), ("Community forum", 4)),
    "interview": (("Field notes", 1),),
    "other": (("Letter", 7), ("Email to CEO office", 7), ("Energy fair", 4), (None, 2)),
}

# Sources that number their items; the rest (letters, field notes) carry no external id.
ID_PREFIXES: dict[str, str] = {
    "Pulseform NPS": "PF-",
    "Onboarding survey": "ONB-",
    "Helpdesk": "LH-",
    "Live chat": "CHAT-",
    "TrustMark Reviews": "TM-",
    "Google Play": "GP-",
    "App Store": "AS-",
    "X": "X-",
    "Facebook": "FB-",
    "Community forum": "CF-",
}

CHANNEL_MIX: dict[str, tuple[tuple[str, int], ...]] = {
    "complaint": (
        ("survey", 28),
        ("ticket", 34),
        ("review", 14),
        ("social", 14),
        ("interview", 5),
        ("other", 5),
    ),
    "praise": (
        ("survey", 38),
        ("ticket", 6),
        ("review", 28),
        ("social", 18),
        ("interview", 5),
        ("other", 5),
    ),
    "awareness": (
        ("survey", 34),
        ("ticket", 10),
        ("review", 14),
        ("social", 26),
        ("interview", 8),
        ("other", 8),
    ),
}

# How often a channel's item is tied to a known customer.
LINK_RATE = {
    "survey": 0.7,
    "ticket": 0.9,
    "interview": 0.8,
    "other": 0.6,
    "review": 0.08,
    "social": 0.06,
}

TICKET_OPENERS = ("Hi,", "Hello,", "Good morning,", "Hi team,", "To whom it may concern,", "")
CHAT_OPENERS = ("hi,", "hello,", "Hi there.", "", "", "")
TICKET_CLOSERS = (
    "Thanks.",
    "Please sort this out.",
    "Can someone call me back?",
    "Account ending {acct}.",
    "Regards.",
    "",
)
LONG_TICKET_BRIDGES = (
    "I have already called twice about this.",
    "This is now affecting my monthly budget.",
    "I've attached a photo.",
    "My account number ends {acct}.",
    "I was told last time it would be fixed within a week.",
    "I work shifts so email is best.",
)
FIELD_NOTE_OPENERS = (
    "Customer said: ",
    "Told us at the stand: ",
    "Spoken to at the energy fair: ",
    "Doorstep survey note: ",
    "From a phone follow-up: ",
)
SOCIAL_HANDLE = "@LarkspurEnergy "
SOCIAL_TAGS = ("#customerservice", "#energybills", "#fail", "#smartmeter", "#larkspur")
ANGRY_EMOJI = ("😡", "🙄", "😤", "👎", "🤦")
HAPPY_EMOJI = ("🙌", "👍", "😊", "💚", "⭐")
NPS_WEIGHTS = {
    "complaint": (8, 6, 7, 7, 6, 5, 5, 3, 2, 1, 1),
    "praise": (0, 0, 0, 0, 0, 1, 1, 3, 6, 9, 9),
    "neutral": (1, 1, 1, 2, 3, 5, 7, 8, 5, 2, 1),
}
CSAT_WEIGHTS = {"complaint": (5, 4, 2, 1, 1), "praise": (0, 1, 1, 4, 7), "neutral": (1, 2, 5, 4, 2)}


def draw_days_ago(topic: Topic, rng: random.Random) -> int:
    """A receipt age shaped by the topic's timing, so trends show on the dashboard."""
    if topic.timing == "rising" and rng.random() < 0.8:
        return int(rng.triangular(0, topic.span, 0))
    if topic.timing == "fading":
        return int(rng.triangular(0, 364, 364))
    if topic.timing == "burst" and rng.random() < 0.85:
        return max(0, min(364, round(rng.gauss(topic.span, 3))))
    return rng.randint(0, 364)


def misspell(text: str, rng: random.Random) -> str:
    """Introduce one typing slip (swap, drop or double a letter) in a longer word."""
    words = text.split(" ")
    candidates = [i for i, word in enumerate(words) if len(word) >= 5 and word.isalpha()]
    if not candidates:
        return text
    index = rng.choice(candidates)
    word = words[index]
    at = rng.randrange(1, len(word) - 2)
    slip = rng.choice(("swap", "drop", "double"))
    if slip == "swap":
        word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    elif slip == "drop":
        word = word[:at] + word[at + 1 :]
    else:
        word = word[:at] + word[at] + word[at:]
    words[index] = word
    return " ".join(words)


def weighted(options: tuple[tuple[str | None, int], ...], rng: random.Random) -> str | None:
    """One option drawn by weight."""
    values = [value for value, _ in options]
    return rng.choices(values, weights=[weight for _, weight in options])[0]


def compose_text(topic: Topic, channel: str, source: str | None, rng: random.Random) -> str:
    """A feedback text for a topic, dressed the way its channel and source tend to read."""
    if channel in ("survey", "social", "review") and rng.random() < 0.1:
        return fill(rng.choice(topic.shorts), rng)
    if channel == "ticket" and rng.random() < 0.15:
        # A long ticket repeats the complaint in several ways, as a frustrated writer does.
        parts = rng.sample(topic.phrasings, k=min(3, len(topic.phrasings)))
        parts.insert(rng.randint(1, len(parts)), rng.choice(LONG_TICKET_BRIDGES))
        body = " ".join(fill(part, rng) for part in parts)
    else:
        body = fill(rng.choice(topic.phrasings), rng)
    if rng.random() < 0.05:
        body = misspell(body, rng)
    mood = HAPPY_EMOJI if topic.praise else ANGRY_EMOJI
    if source == "Live chat":
        return f"{rng.choice(CHAT_OPENERS)} {body}".lstrip()
    if channel == "ticket":
        opener, closer = rng.choice(TICKET_OPENERS), fill(rng.choice(TICKET_CLOSERS), rng)
        return "\n\n".join(part for part in (opener, body, closer) if part)
    if channel == "social":
        if rng.random() < 0.2:
            body = body[0].lower() + body[1:]
        if rng.random() < 0.5:
            body = SOCIAL_HANDLE + body
        if rng.random() < 0.35:
            body = f"{body} {rng.choice(mood)}"
        if rng.random() < 0.2:
            body = f"{body} {rng.choice(SOCIAL_TAGS)}"
        return body
    if channel == "review" and rng.random() < 0.4:
        stars = rng.choice((4, 5)) if topic.praise else rng.choice((1, 1, 2))
        return f"{stars}/5. {body}"
    if channel == "interview":
        return rng.choice(FIELD_NOTE_OPENERS) + body
    if source == "Letter":
        return f"Dear Larkspur,\n\n{body}\n\nYours sincerely"
    if source == "Email to CEO office":
        return f"To the chief executive: {body}"
    if source == "Energy fair":
        return f"Comment card: {body}"
    if channel == "survey" and rng.random() < 0.05:
        return f"{body} {rng.choice(mood)}"
    return body


def draw_source(topic: Topic, channel: str, rng: random.Random) -> str | None:
    """The system an item came from; app topics are reviewed in the app stores."""
    key = "app_review" if channel == "review" and topic.app else channel
    source = weighted(SOURCES[key], rng)
    if source == "Onboarding survey" and topic.stage == ACTION:
        return "Pulseform NPS"
    return source


def draw_score(mood: str, source: str | None, rng: random.Random) -> tuple[int | None, str | None]:
    """NPS on most NPS-survey answers, CSAT on some helpdesk tickets, nothing elsewhere."""
    if source == "Pulseform NPS" and rng.random() < 0.85:
        return rng.choices(range(11), weights=NPS_WEIGHTS[mood])[0], "nps"
    if source == "Helpdesk" and rng.random() < 0.45:
        return rng.choices(range(1, 6), weights=CSAT_WEIGHTS[mood])[0], "csat"
    return None, None


def draw_customer(channel: str, rng: random.Random) -> int | None:
    """A customer index or None; a few customers write in far more often than the rest."""
    if rng.random() >= LINK_RATE[channel]:
        return None
    weights = [6 if i % 7 == 0 else 2 if i % 3 == 0 else 1 for i in range(len(CUSTOMERS))]
    return rng.choices(range(len(CUSTOMERS)), weights=weights)[0]


@dataclass(frozen=True)
class Draft:
    """A feedback item before its external id is numbered."""

    text: str
    channel: str
    source: str | None
    days_ago: int
    customer: int | None
    stage: str | None
    score: int | None
    score_kind: str | None


def topic_drafts(rng: random.Random, seen: set[str]) -> list[Draft]:
    """Every topic's items, retrying phrasings so texts rarely repeat."""
    drafts = []
    for topic in TOPICS:
        if topic.praise:
            mix = CHANNEL_MIX["praise"]
        elif topic.stage == AWARENESS:
            mix = CHANNEL_MIX["awareness"]
        else:
            mix = CHANNEL_MIX["complaint"]
        mood = "praise" if topic.praise else "complaint"
        for _ in range(topic.volume):
            channel = weighted(mix, rng) or "other"
            source = draw_source(topic, channel, rng)
            text = compose_text(topic, channel, source, rng)
            for _ in range(20):
                if text not in seen:
                    break
                text = compose_text(topic, channel, source, rng)
            seen.add(text)
            score, score_kind = draw_score(mood, source, rng)
            # A few items arrive untriaged, with no journey stage yet.
            stage = None if rng.random() < 0.03 else topic.stage
            drafts.append(
                Draft(
                    text,
                    channel,
                    source,
                    draw_days_ago(topic, rng),
                    draw_customer(channel, rng),
                    stage,
                    score,
                    score_kind,
                )
            )
    return drafts


def special_drafts(rng: random.Random, seen: set[str]) -> list[Draft]:
    """The hand-written items, given dates and customers from the seed."""
    drafts = []
    for text, channel, source, stage in SPECIAL_ITEMS:
        seen.add(text)
        score, score_kind = draw_score("neutral", source, rng)
        drafts.append(
            Draft(
                text,
                channel,
                source,
                rng.randint(0, 364),
                draw_customer(channel, rng),
                stage,
                score,
                score_kind,
            )
        )
    return drafts


def number_items(drafts: list[Draft], rng: random.Random) -> tuple[DemoFeedback, ...]:
    """Oldest first, with external ids that grow over time and are unique per source."""
    drafts = sorted(drafts, key=lambda draft: -draft.days_ago)
    counters = {source: rng.randint(10_000, 40_000) for source in ID_PREFIXES}
    items = []
    for draft in drafts:
        external_id = None
        if draft.source in ID_PREFIXES:
            counters[draft.source] += rng.randint(1, 29)
            external_id = f"{ID_PREFIXES[draft.source]}{counters[draft.source]}"
        items.append(
            DemoFeedback(
                text=draft.text,
                channel=draft.channel,
                source=draft.source,
                external_id=external_id,
                days_ago=draft.days_ago,
                customer=draft.customer,
                stage=draft.stage,
                score=draft.score,
                score_kind=draft.score_kind,
            )
        )
    return tuple(items)


def build_interviews(rng: random.Random) -> tuple[DemoInterview, ...]:
    """The hand-written interviews, dated and timed from the seed, oldest first."""
    interviews = [
        DemoInterview(
            customer=customer,
            days_ago=rng.randint(3, 330),
            place=place,
            duration_minutes=rng.randrange(20, 91, 5),
            notes=notes,
            quotes=tuple(DemoQuote(text, stage) for text, stage in quotes),
        )
        for customer, place, notes, quotes in INTERVIEWS
    ]
    return tuple(sorted(interviews, key=lambda interview: -interview.days_ago))


def build_demo(seed: int = 7) -> DemoData:
    """The whole demo data set; the same seed always gives the same data."""
    rng = random.Random(seed)
    seen: set[str] = set()
    drafts = topic_drafts(rng, seen) + special_drafts(rng, seen)
    return DemoData(
        customers=CUSTOMERS,
        feedback=number_items(drafts, rng),
        interviews=build_interviews(rng),
    )
