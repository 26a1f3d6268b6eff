"""The OpenAPI operation id of every API operation, chosen once and kept.

A client generated from the document (``openapi-python-client``, or any other) names its
functions after these ids, so they are part of the contract: ``castBallot``, not Litestar's
path-derived ``ApiV1ContestsContestIdBallotsCast``, and they do not change when a path is
reorganised. Each handler is named by its module (under ``service.routes``) and qualified
name. A handler missing from :data:`OPERATION_IDS` stops the document being built, naming it,
so a new route cannot ship without an id (``tests/service/test_openapi_contract.py``).
"""

from __future__ import annotations

from typing import Any, Final

__all__ = ["OPERATION_IDS", "operation_id"]

OPERATION_IDS: Final[dict[str, str]] = {
    # the service
    "system.health": "health",
    "system.ready": "ready",
    "identity.me": "whoAmI",
    "members.import_members": "importRoll",
    "sign_in_grants.sign_in_grants": "listSignInGrants",
    "sign_in_grants.add_sign_in_grant": "addSignInGrant",
    "sign_in_grants.revoke_sign_in_grant": "revokeSignInGrant",
    # contests and their ballots
    "contests.ContestController.index": "listContests",
    "contests.ContestController.create": "defineContest",
    "contests.ContestController.show": "getContest",
    "contests.ContestController.open": "openContest",
    "contests.ContestController.cast": "castBallot",
    "contests.ContestController.close": "closeContest",
    "contests.ContestController.count": "countContest",
    "contests.ContestController.publish": "publishResult",
    "contests.ContestController.result": "getResult",
    "contests.ContestController.receipt": "checkReceipt",
    "contests.ContestController.turnout": "getTurnout",
    "contests.ContestController.turnout_stream": "streamTurnout",
    "contests.ContestController.bundle": "getAuditBundle",
    "contests.ContestController.blt": "getBallotsBlt",
    "documents.ResultSheetController.result_sheet_html": "getResultSheet",
    "documents.ResultSheetController.result_sheet_pdf": "getResultSheetPdf",
    # the transparency log
    "audit.AuditLogController.checkpoint": "getCheckpoint",
    "audit.AuditLogController.key": "getLogKey",
    "audit.AuditLogController.entries": "listLogEntries",
    "audit.AuditLogController.inclusion": "proveInclusion",
    "audit.AuditLogController.consistency": "proveConsistency",
    "audit.AuditLogController.tile": "getLogTile",
    # assemblies
    "assemblies.AssemblyController.index": "listAssemblies",
    "assemblies.AssemblyController.create": "createAssembly",
    "assemblies.AssemblyController.show": "getAssembly",
    "assemblies.AssemblyController.move": "moveAssembly",
    "assemblies.AssemblyController.grant_chair": "grantChair",
    "assemblies.AssemblyController.agenda": "getAgenda",
    "assemblies.AssemblyController.set_agenda": "setAgenda",
    "assemblies.AssemblyController.submit": "submitMotion",
    "assemblies.AssemblyController.motions": "listMotions",
    "assemblies.AssemblyController.composite": "compositeMotions",
    "assemblies.AssemblyController.record": "getAssemblyRecord",
    "assemblies.AssemblyController.record_md": "getAssemblyRecordMarkdown",
    "documents.DocumentController.motions_book_html": "getMotionsBook",
    "documents.DocumentController.motions_book_pdf": "getMotionsBookPdf",
    "documents.DocumentController.record_html": "getConferenceRecord",
    "documents.DocumentController.record_pdf": "getConferenceRecordPdf",
    "documents.DocumentController.timetable": "getTimetable",
    # the conference floor
    "floor.FloorController.delegates": "listDelegates",
    "floor.FloorController.entitlements": "listEntitlements",
    "floor.FloorController.register": "registerDelegate",
    "floor.FloorController.credentials": "issueCredentials",
    "floor.FloorController.withdraw": "withdrawDelegate",
    "floor.FloorController.name_proxy": "nameProxy",
    "floor.FloorController.revoke_proxy": "revokeProxy",
    "floor.FloorController.grant_steward": "grantSteward",
    "floor.FloorController.hall_code": "setHallCode",
    "floor.FloorController.check_in": "checkIn",
    "floor.FloorController.steward_check_in": "checkInMember",
    "floor.FloorController.attendance": "getAttendance",
    "floor.FloorController.freeze": "freezeAttendance",
    "floor.FloorController.reopen": "reopenCheckIn",
    "floor.BranchController.grant_secretary": "grantSecretary",
    # motions and amendments
    "motions.MotionController.show": "getMotion",
    "motions.MotionController.second": "secondMotion",
    "motions.MotionController.unsecond": "unsecondMotion",
    "motions.MotionController.withdraw": "withdrawMotion",
    "motions.MotionController.admit": "admitMotion",
    "motions.MotionController.rule_out": "ruleOutMotion",
    "motions.MotionController.remit": "remitMotion",
    "motions.MotionController.forward": "forwardMotion",
    "motions.MotionController.amend": "proposeAmendment",
    "motions.MotionController.amendment": "getAmendment",
    "motions.MotionController.second_amendment": "secondAmendment",
    "motions.MotionController.withdraw_amendment": "withdrawAmendment",
    "motions.MotionController.admit_amendment": "admitAmendment",
    "motions.MotionController.rule_out_amendment": "ruleOutAmendment",
    "motions.MotionController.reinstate": "reinstateAmendment",
    "motions.MotionController.vote": "getMotionVotes",
    "motions.MotionController.vote_start": "startMotionVotes",
    "motions.MotionController.vote_next": "nextMotionVote",
    "motions.MotionController.vote_close": "closeMotionVote",
    "speakers.SpeakersController.show": "getSpeakers",
    "speakers.SpeakersController.ask": "askToSpeak",
    "speakers.SpeakersController.withdraw": "withdrawFromSpeakers",
    "speakers.SpeakersController.call_next": "callNextSpeaker",
    # elections with nominations
    "elections.ElectionController.index": "listElections",
    "elections.ElectionController.create": "createElection",
    "elections.ElectionController.show": "getElection",
    "elections.ElectionController.rules": "getElectionRules",
    "elections.ElectionController.nominations": "listNominations",
    "elections.ElectionController.nominate": "nominate",
    "elections.ElectionController.close_nominations": "closeNominations",
    "elections.ElectionController.open_ballots": "openElectionBallots",
    "elections.ElectionController.declare": "declareElection",
    "elections.ElectionController.results": "getElectionResults",
    "elections.NominationController.show": "getNomination",
    "elections.NominationController.support": "supportNomination",
    "elections.NominationController.unsupport": "unsupportNomination",
    "elections.NominationController.accept": "acceptNomination",
    "elections.NominationController.statement": "setNominationStatement",
    "elections.NominationController.withdraw": "withdrawNomination",
    # offices and recall petitions
    "petitions.OfficeController.index": "listOffices",
    "petitions.OfficeController.create": "createOffice",
    "petitions.OfficeController.show": "getOffice",
    "petitions.OfficeController.reselections": "listReselections",
    "petitions.OfficeController.start": "startRecallPetition",
    "petitions.PetitionController.index": "listPetitions",
    "petitions.PetitionController.show": "getPetition",
    "petitions.PetitionController.sign": "signPetition",
    "petitions.PetitionController.withdraw": "withdrawSignature",
    "petitions.PetitionController.receipts": "listSignatureReceipts",
    "petitions.PetitionController.receipt": "checkSignatureReceipt",
    # sortition
    "sortition.SortitionController.index": "listSortitions",
    "sortition.SortitionController.create": "createSortition",
    "sortition.SortitionController.show": "getSortition",
    "sortition.SortitionController.volunteer": "volunteer",
    "sortition.SortitionController.withdraw": "withdrawVolunteer",
    "sortition.SortitionController.commit": "commitSortition",
    "sortition.SortitionController.draw": "drawPanel",
    "sortition.SortitionController.record": "getSortitionRecord",
}
"""``module.QualifiedName`` of a handler (module under ``service.routes``) → its id."""


def _handler_key(route_handler: Any) -> str:
    function = route_handler.fn
    while hasattr(function, "__wrapped__"):
        function = function.__wrapped__
    return f"{function.__module__.removeprefix('service.routes.')}.{function.__qualname__}"


def operation_id(route_handler: Any, http_method: Any, path_components: Any) -> str:
    """Litestar's ``operation_id_creator``: the id :data:`OPERATION_IDS` gives the handler.
    ``LookupError`` naming the handler when it has none (the document is not built)."""
    key = _handler_key(route_handler)
    try:
        return OPERATION_IDS[key]
    except KeyError:
        raise LookupError(f"no OpenAPI operation id for {key}: add one to OPERATION_IDS") from None
