"""All models, imported here so Alembic and the app see one metadata."""
from ticketing.models.category import Category
from ticketing.models.department import Department
from ticketing.models.enums import (
    AssistState,
    Channel,
    ClosureKind,
    ContactMethod,
    ContactPurpose,
    Satisfaction,
    TicketStatus,
    TicketType,
    Urgency,
)
from ticketing.models.audit import AdminEvent
from ticketing.models.announcement import Announcement, AnnouncementRead
from ticketing.models.call import InvalidCall
from ticketing.models.intake import ApiToken, ImportMapping
from ticketing.models.privacy import PersonalDataView, ReporterIdentityGrant
from ticketing.models.settings import AppSetting, CalendarYear, StandardAnswer, DeadlinePolicy, Holiday, RoutingRule
from ticketing.models.ticket import (
    AssistRequest, CategoryLabel, Callback, CitizenContact, InternalNote, PetitionReview, Reply, Ticket, TicketAttachment, TicketEvent, TicketNumberCounter,
)
from ticketing.models.user import Role, User
from ticketing.models.review import ReviewAppeal, ReviewItem, TicketReview
from ticketing.models.hotspot import HotspotSnapshot
from ticketing.models.assessment import (
    AssessmentContest,
    AssessmentItem,
    AssessmentLiveCache,
    AssessmentReport,
    ContestState,
)

__all__ = [
    "AssessmentContest", "AssessmentItem", "AssessmentLiveCache", "AssessmentReport", "ContestState",
    "AdminEvent", "Announcement", "AssistRequest", "AssistState", "AnnouncementRead", "ApiToken", "ImportMapping",
    "PersonalDataView", "ReporterIdentityGrant",
    "AppSetting", "StandardAnswer",
    "CalendarYear", "Callback", "CategoryLabel", "Category", "Channel", "CitizenContact", "ClosureKind",
    "ContactMethod", "ContactPurpose", "DeadlinePolicy", "Department",
    "Holiday", "HotspotSnapshot", "InternalNote", "InvalidCall", "PetitionReview", "Reply", "ReviewAppeal", "ReviewItem", "Role", "RoutingRule", "Satisfaction", "Ticket", "TicketAttachment", "TicketEvent",
    "TicketNumberCounter", "TicketReview", "TicketStatus", "TicketType", "Urgency", "User",
]
