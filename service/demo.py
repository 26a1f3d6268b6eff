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

from assembly.meetings.assemblies import create_assembly, log_chair_granted, move_assembly
from assembly.motions.amendments import admit_amendment, second_amendment, submit_amendment
from assembly.motions.motion_votes import start_vote
from assembly.motions.motions import admit_motion, second_motion, submit_motion
from roll.grants import grant_role
from roll.imports import import_roll_csv
from roll.models import Branch, Member, Region
from schemas.assemblies import AmendmentCreate, AssemblyCreate, MotionCreate, StandingOrdersIn
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
    database_url = settings.database
    async with session_for(database_url) as session:
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


DEMO_CONFERENCE = AssemblyCreate(
    title="Annual conference",
    kind="conference",
    standing_orders=StandingOrdersIn(seconders_required=1, amendment_seconders_required=1),
)
DEMO_MOTIONS = (
    (
        MotionCreate(
            title="Free school meals for every child",
            category="policy",
            paragraphs=[
                "Conference notes that one child in four lives in poverty.",
                "Conference believes no child should learn on an empty stomach.",
                "Conference calls for free school meals for every child in every school.",
            ],
        ),
        None,
    ),
    (
        MotionCreate(
            title="Public ownership of the railways",
            category="policy",
            paragraphs=[
                "Conference notes that fares have risen faster than wages for a decade.",
                "Conference calls for the railways to be brought into public ownership.",
            ],
        ),
        AmendmentCreate(
            action="replace",
            start=2,
            paragraphs=[
                "Conference calls for each railway franchise to return to public ownership "
                "as it expires."
            ],
        ),
    ),
)


async def _demo_conference(session: AsyncSession) -> None:
    """The demo's conference, chaired by CHAIR1, in session: motion 1 (free school meals) is
    being voted on, motion 2 waits with an admitted amendment for the chair to start its votes.
    Made through the same functions the members', chair's and admin's requests call."""
    conference = await create_assembly(session, DEMO_CONFERENCE, created_by="ADMIN1")
    await grant_role(
        session,
        subject="CHAIR1",
        role="chair",
        object_kind="assembly",
        object_id=str(conference.id),
        granted_by="ADMIN1",
    )
    await log_chair_granted(session, conference.id)
    await move_assembly(session, conference.id, "motions_open")
    made = []
    for body, amendment in DEMO_MOTIONS:
        motion = await submit_motion(session, conference.id, body, subject="M00001")
        await second_motion(session, motion.id, subject="M00002")
        made.append((motion, amendment))
    await move_assembly(session, conference.id, "amendments_open")
    for motion, amendment in made:
        await admit_motion(session, motion.id)
        if amendment is not None:
            proposed = await submit_amendment(session, motion.id, amendment, subject="M00003")
            await second_amendment(session, proposed.id, subject="M00004")
            await admit_amendment(session, proposed.id, chair="CHAIR1")
    await move_assembly(session, conference.id, "in_session")
    await start_vote(session, made[0][0].id, created_by="CHAIR1")


async def _open_demo_contests(session: AsyncSession) -> int:
    """Define and open the demo's contests, through the same functions a returning officer's
    requests call (each is logged)."""
    for body in DEMO_CONTESTS:
        contest = await create_contest(session, body, created_by="RO1")
        await open_contest(session, contest.id, actor="returning_officer")
    await _demo_conference(session)
    await session.commit()
    return len(DEMO_CONTESTS) + 1


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
