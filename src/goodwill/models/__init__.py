"""Every table of Goodwill. Import from here: ``from goodwill.models import Account``."""

from goodwill.models.account import Account, AccountKind, PostalAddress, account_owner
from goodwill.models.audit import AuditEvent
from goodwill.models.contact import Channel, Contact
from goodwill.models.fact import Fact, FactKind
from goodwill.models.member import Member, Role
from goodwill.models.order import Order
from goodwill.models.plan import PlanDay, PlanItem, PlanStatus
from goodwill.models.program import (
    Arm,
    Program,
    ProgramKind,
    ProgramResponse,
    ProgramStatus,
    ProgramTarget,
    ResponseKind,
)
from goodwill.models.promise import Promise, PromiseStatus
from goodwill.models.quote import Quote, QuoteStatus
from goodwill.models.scoring import AccountRollup, HealthWeek, ScoringRun
from goodwill.models.signin import ApiToken, SigninAttempt, TeamSetting, WebSession
from goodwill.models.touch import Direction, Touch, Value, touch_contact

__all__ = [
    "Account",
    "AccountKind",
    "AccountRollup",
    "ApiToken",
    "Arm",
    "AuditEvent",
    "Channel",
    "Contact",
    "Direction",
    "Fact",
    "FactKind",
    "HealthWeek",
    "Member",
    "Order",
    "PlanDay",
    "PlanItem",
    "PlanStatus",
    "PostalAddress",
    "Program",
    "ProgramKind",
    "ProgramResponse",
    "ProgramStatus",
    "ProgramTarget",
    "Promise",
    "PromiseStatus",
    "Quote",
    "QuoteStatus",
    "ResponseKind",
    "Role",
    "ScoringRun",
    "SigninAttempt",
    "TeamSetting",
    "Touch",
    "Value",
    "WebSession",
    "account_owner",
    "touch_contact",
]
