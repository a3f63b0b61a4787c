"""Legal-style documents with reference summaries: parties, amounts, dates, obligations and exceptions.

Eight kinds of document, each with its own wording and clause order. The reference summary of every
kind follows one house style, so a model can learn *what to keep*; the last two kinds (a loan and a
grant bill) are held out: validation and test documents come only from them.

    >>> doc = make_document(random.Random(0), KINDS[0])
    >>> sorted(doc) == ["document", "facts", "kind", "summary"]
    True
    >>> all(fact in doc["document"] and fact in doc["summary"] for fact in doc["facts"])
    True
"""

from __future__ import annotations

import random

KINDS = ["services", "supply", "lease", "license", "maintenance", "settlement", "loan", "grant bill"]
TRAIN_KINDS, HELD_OUT_KINDS = KINDS[:6], KINDS[6:]

_NAMES = ["Northwind", "Harbor", "Bluestone", "Cedar", "Kestrel", "Larkspur", "Meridian", "Oakhaven", "Pinecrest",
          "Redfield", "Silverline", "Thornbury", "Westbrook", "Ironwood", "Maplewood", "Granite"]
_SUFFIXES = ["LLC", "Inc.", "Ltd", "Corporation"]
_AGENCIES = ["the Secretary of Commerce", "the Secretary of Energy", "the Secretary of Labor",
             "the Secretary of Transportation"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]
_STATES = ["Delaware", "New York", "California", "Texas", "Ohio", "Oregon"]
_BOILERPLATE = [
    "This Agreement is governed by the laws of the State of {state}.",
    "Notices must be given in writing to the addresses above.",
    "If any provision is held invalid, the remaining provisions stay in effect.",
    "This Agreement is the entire agreement between the parties.",
    "Headings are for convenience only and do not affect interpretation.",
    "Neither party may assign this Agreement without the other's written consent.",
]

# Each kind: (title, body sentences, summary). Placeholders are filled from one set of facts.
_TEMPLATES = {
    "services": ("SERVICES AGREEMENT",
                 ["This Services Agreement is made on {start} between {a} (the Client) and {b} (the Provider).",
                  "{boiler}",
                  "The Client shall pay the Provider a fee of {amount} no later than {due}.",
                  "Late payments accrue interest at {rate} per month.",
                  "The Provider is not liable for delays caused by {excuse}."]),
    "supply": ("SUPPLY CONTRACT",
               ["{boiler}", "On {start}, {b} (the Supplier) agreed to supply {a} (the Buyer).",
                "The Buyer must pay {amount} to the Supplier by {due}.", "{boiler}",
                "Any amount unpaid after that date bears a charge of {rate} per month.",
                "Deliveries may be suspended during {excuse}."]),
    "lease": ("LEASE OF PREMISES",
              ["{a} (the Tenant) leases the premises from {b} (the Landlord) beginning {start}.",
               "{boiler}",
               "Rent of {amount} is due from the Tenant on or before {due}.",
               "Overdue rent carries a late fee of {rate} per month, except during {excuse}."]),
    "license": ("SOFTWARE LICENSE",
                ["{boiler}", "Effective {start}, {b} (the Licensor) grants {a} (the Licensee) a license.",
                 "In return the Licensee shall remit {amount} to the Licensor no later than {due}.",
                 "Payments received late incur {rate} interest per month.",
                 "Obligations are suspended during {excuse}."]),
    "maintenance": ("MAINTENANCE AGREEMENT",
                    ["Dated {start}.", "{boiler}",
                     "{b} (the Contractor) will service the site of {a} (the Owner).",
                     "{a} must pay {b} {amount}, payable by {due}.",
                     "A late charge of {rate} per month applies, unless the delay results from {excuse}."]),
    "settlement": ("SETTLEMENT AGREEMENT",
                   ["This Settlement Agreement is entered into on {start}.", "{boiler}",
                    "To resolve the dispute, {a} shall pay {b} the sum of {amount} on or before {due}.",
                    "Unpaid sums accrue interest at {rate} per month.",
                    "No party is in breach for failure caused by {excuse}."]),
    "loan": ("LOAN AGREEMENT",
             ["{boiler}", "Under this agreement of {start}, {b} (the Lender) lends money to {a} (the Borrower).",
              "The Borrower shall repay {amount} to the Lender by {due}.",
              "Any late installment bears default interest of {rate} per month.",
              "Repayment is deferred during {excuse}."]),
    "grant bill": ("A BILL",
                   ["SECTION 1. This Act takes effect on {start}.", "SEC. 2. In this Act, the term grantee means the recipient named in section 3.",
                    "SEC. 3. {payer} shall award {amount} in grants to {b}, to be disbursed not later than {due}.",
                    "SEC. 4. Funds not used on time are reduced by {rate} per month.",
                    "SEC. 5. The deadline may be extended in the event of {excuse}."]),
}
_EXCUSES = ["a natural disaster", "a strike at either party", "a government order",
            "a failure of the public power grid", "a flood or fire at the site", "a declared public emergency"]


def _company(rng: random.Random) -> str:
    return f"{rng.choice(_NAMES)} {rng.choice(_SUFFIXES)}"


def _date(rng: random.Random, year: int) -> str:
    return f"{rng.choice(_MONTHS)} {rng.randint(1, 28)}, {year}"


def make_document(rng: random.Random, kind: str) -> dict:
    """One document of `kind`: ``{"kind", "document", "summary", "facts"}`` (facts: the strings a summary must keep).

    >>> make_document(random.Random(1), "loan")["kind"]
    'loan'
    """
    a, b = _company(rng), _company(rng)
    while b.split()[0] == a.split()[0]:  # two different names
        b = _company(rng)
    if kind == "grant bill":
        a = rng.choice(_AGENCIES)
    year = rng.randint(2025, 2029)
    fill = {"a": a, "b": b, "start": _date(rng, year), "due": _date(rng, year + 1),
            "amount": f"${rng.randint(2, 99) * 1000 + rng.choice([0, 250, 500, 750]):,}",
            "rate": f"{rng.choice(['1', '1.5', '2', '2.5', '3'])}%",
            "excuse": rng.choice(_EXCUSES), "payer": a[0].upper() + a[1:]}
    title, sentences = _TEMPLATES[kind]
    fillers = rng.sample(_BOILERPLATE, sum(s.count("{boiler}") for s in sentences))
    body = []
    for sentence in sentences:
        if "{boiler}" in sentence:
            sentence = sentence.replace("{boiler}", fillers.pop().format(state=rng.choice(_STATES)))
        body.append(sentence.format(**fill))
    verb = "award" if kind == "grant bill" else "pay"
    summary = f"{fill['payer']} must {verb} {b} {fill['amount']} by {fill['due']}; late fee {fill['rate']} a month, except {fill['excuse']}."
    document = f"{title}\n" + " ".join(body)
    facts = [a, b, fill["amount"], fill["due"], fill["rate"]]
    return {"kind": kind, "document": document, "summary": summary, "facts": facts}


def make_documents(kinds: list[str], n: int, seed: int) -> list[dict]:
    """`n` documents cycling through `kinds`, reproducible from `seed`.

    >>> [d["kind"] for d in make_documents(HELD_OUT_KINDS, 3, seed=0)]
    ['loan', 'grant bill', 'loan']
    """
    rng = random.Random(seed)
    return [make_document(rng, kinds[i % len(kinds)]) for i in range(n)]


def long_document(rng: random.Random, kind: str, parts: int = 3) -> dict:
    """A document of `parts` schedules of `kind`, each with its own payment: longer than a model's window.

    >>> doc = long_document(random.Random(0), "lease", parts=2)
    >>> len(doc["facts"]) == 10 and doc["document"].count("LEASE OF PREMISES") == 2
    True
    """
    schedules = [make_document(rng, kind) for _ in range(parts)]
    document = "\n\n".join(f"SCHEDULE {i + 1}. {s['document']}" for i, s in enumerate(schedules))
    return {"kind": kind, "document": document, "summary": " ".join(s["summary"] for s in schedules),
            "facts": [fact for s in schedules for fact in s["facts"]]}
