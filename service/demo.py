"""The demo organisation: nations and regions, a dozen branches, a few hundred members.

It is imported through the same all-or-nothing roll import as a real roll (so it has a roll
snapshot and a log entry), and only when the roll is empty unless forced. Everything is
generated deterministically, so every demo has the same members.
"""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from roll.imports import import_roll_csv
from roll.models import Branch, Member, Region
from schemas.contests import CandidateIn, ContestCreate
from service.database import session_for
from service.events import log_roll_import
from service.settings import Settings
from service.signin.store import record_grant
from tally.lot import Lot
from voting.lifecycle import create_contest, open_contest

__all__ = [
    "DEMO_BRANCHES",
    "DEMO_OFFICERS",
    "DEMO_REGIONS",
    "demo_roll_csv",
    "load_demo",
    "welcome",
]

DEMO_REGIONS = {
    "SCO": "Scotland",
    "WAL": "Wales",
    "LDN": "London",
    "NW": "North West",
    "YH": "Yorkshire and the Humber",
}

# code: (name, region)
DEMO_BRANCHES = {
    "glasgow": ("Glasgow", "SCO"),
    "edinburgh": ("Edinburgh", "SCO"),
    "dundee": ("Dundee", "SCO"),
    "cardiff": ("Cardiff", "WAL"),
    "swansea": ("Swansea", "WAL"),
    "gwynedd": ("Gwynedd", "WAL"),
    "hackney": ("Hackney", "LDN"),
    "lambeth": ("Lambeth", "LDN"),
    "manchester": ("Manchester", "NW"),
    "liverpool": ("Liverpool", "NW"),
    "leeds": ("Leeds", "YH"),
    "sheffield": ("Sheffield", "YH"),
}

# Officers and staff need not be on the roll; their tokens carry the roles.
DEMO_OFFICERS = {
    "ADMIN1": ("admin",),
    "RO1": ("returning_officer",),
    "CHAIR1": ("chair",),
    "AUDIT1": ("auditor",),
}

DEMO_MEMBERS = 300

_GIVEN = [
    "Aisha",
    "Alex",
    "Bethan",
    "Callum",
    "Carys",
    "Chidi",
    "Dafydd",
    "Eilidh",
    "Fatima",
    "Fraser",
    "Gareth",
    "Grace",
    "Hamish",
    "Iman",
    "Isla",
    "Jamal",
    "Kirsty",
    "Lewis",
    "Mairi",
    "Megan",
    "Nia",
    "Olu",
    "Priya",
    "Rhys",
    "Rowan",
    "Sam",
    "Siobhan",
    "Tariq",
    "Yusuf",
    "Zoe",
]
_FAMILY = [
    "Ahmed",
    "Campbell",
    "Davies",
    "Edwards",
    "Evans",
    "Hughes",
    "Jones",
    "Khan",
    "Lewis",
    "MacDonald",
    "Morgan",
    "Murray",
    "Okafor",
    "Patel",
    "Price",
    "Reid",
    "Roberts",
    "Robertson",
    "Singh",
    "Smith",
    "Stewart",
    "Taylor",
    "Thomas",
    "Walker",
    "Williams",
    "Wilson",
]
_GENDERS = ("woman", "man", "woman", "man", "non-binary")
_AGE_BANDS = ("18-29", "30-44", "45-64", "65+")


def demo_roll_csv(count: int = DEMO_MEMBERS) -> bytes:
    """The demo roll as CSV, the same every time (drawn from a fixed seed)."""
    lot = Lot("plenary demo roll")
    branches = list(DEMO_BRANCHES)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["membership_number", "name", "email", "branch", "region", "status", "gender", "age_band"]
    )
    for n in range(1, count + 1):
        number = f"M{n:05d}"
        name = f"{lot.choose(_GIVEN)} {lot.choose(_FAMILY)}"
        branch = branches[(n - 1) % len(branches)]
        roll = lot.below(100)
        # The first twenty are active so the README's examples always have a voter.
        status = "active" if n <= 20 or roll < 90 else ("lapsed" if roll < 97 else "suspended")
        writer.writerow(
            [
                number,
                name,
                f"{number.lower()}@members.example",
                branch,
                DEMO_BRANCHES[branch][1],
                status,
                lot.choose(_GENDERS),
                lot.choose(_AGE_BANDS),
            ]
        )
    return out.getvalue().encode()


async def load_demo(settings: Settings, *, force: bool = False) -> str:
    """Load the demo organisation unless the roll already has members. Says what it did."""
    assert settings.database_url is not None
    async with session_for(settings.database_url) as session:
        existing = await session.scalar(select(func.count()).select_from(Member))
        if existing and not force:
            return f"demo: the roll already has {existing} members; left as it is"
        imported = await import_roll_csv(session, demo_roll_csv(), source="demo")
        for code, name in DEMO_REGIONS.items():
            await session.execute(update(Region).where(Region.code == code).values(name=name))
        for code, (name, _) in DEMO_BRANCHES.items():
            await session.execute(update(Branch).where(Branch.code == code).values(name=name))
        await log_roll_import(session, imported, actor_role="admin")
        for who, roles in DEMO_OFFICERS.items():
            for role in roles:
                await record_grant(
                    session,
                    email=f"{who.lower()}@officers.example",
                    subject=who,
                    role=role,
                    granted_by="demo",
                )
        await session.commit()
        opened = await _open_demo_contests(session)
    return (
        f"demo: loaded {imported.member_count} members ({imported.active_count} active) in "
        f"{len(DEMO_BRANCHES)} branches across {len(DEMO_REGIONS)} nations and regions, "
        f"and opened {opened} contests to vote in"
    )


DEMO_CONTESTS = (
    ContestCreate(
        title="Motion 1: Free school meals for every child",
        kind="motion",
        scope="national",
    ),
    ContestCreate(
        title="Scottish Executive Committee",
        kind="election",
        scope="region:SCO",
        seats=2,
        candidates=[
            CandidateIn(name="Eilidh Campbell", attributes={"gender": "woman"}),
            CandidateIn(name="Hamish Reid", attributes={"gender": "man"}),
            CandidateIn(name="Isla Murray", attributes={"gender": "woman"}),
            CandidateIn(name="Fraser Stewart", attributes={"gender": "man"}),
        ],
    ),
)


async def _open_demo_contests(session: AsyncSession) -> int:
    """Define and open the demo's contests, through the same functions a returning officer's
    requests call (each is logged)."""
    for body in DEMO_CONTESTS:
        contest = await create_contest(session, body, created_by="RO1")
        await open_contest(session, contest.id, actor="returning_officer")
    await session.commit()
    return len(DEMO_CONTESTS)


def welcome(settings: Settings) -> str:
    """What ``plenary serve`` prints: where it is and how to get in."""
    base = f"http://{settings.host}:{settings.port}"
    officers = "\n".join(
        f"    .venv/bin/plenary token --member {who} --role {' --role '.join(roles)}"
        for who, roles in DEMO_OFFICERS.items()
    )
    return f"""
Plenary is serving at {base}
  In a browser: {base}/sign-in  (pick a demo member or officer; two contests are open)
  Or sign in as a member would: ask for a link for m00001@members.example (officers:
  ro1@officers.example, …) and open it from {settings.data_dir / "outbox"} or this console.
  API documentation: {base}/schema      health: {base}/health   ready: {base}/ready

Get a token for a demo member (M00001 … M{DEMO_MEMBERS:05d}, in Scotland, Wales, London, …):
    TOKEN=$(.venv/bin/plenary token --member M00001)
    curl -H "Authorization: Bearer $TOKEN" {base}/api/v1/me
Officers (not on the roll):
{officers}
Stop with Ctrl-C.
"""
