"""Imports every model so that the metadata (and Alembic's autogenerate) sees all tables."""
from accounts.models import ApiToken, User, manager_branches  # noqa: F401
from accounts.second_factor import RecoveryCode, TwoFactor  # noqa: F401
from actions.models import Action  # noqa: F401
from audits.models import Answer, Assignment, Audit, AuditEvent, Photo, SectionScore  # noqa: F401
from branches.models import Branch, Employee  # noqa: F401
from calibration.models import CalibrationParticipant, CalibrationSession  # noqa: F401
from coaching.models import CoachingSession  # noqa: F401
from core.models import Setting  # noqa: F401
from disputes.models import Dispute  # noqa: F401
from notifications.models import Notification, NotificationPreference  # noqa: F401
from records.models import Seal  # noqa: F401
from reports.batch_models import MonthlyDelivery, ReportBatch  # noqa: F401
from reports.models import TABLES  # noqa: F401  (the roll-ups: Core tables)
from scorecards.models import Criterion, Scorecard, ScorecardVersion, Section  # noqa: F401
from security.models import Erasure, SecurityEvent  # noqa: F401
from surveys.models import SurveyLink, SurveyResponse, SurveySettings  # noqa: F401
from webhooks.models import WebhookDelivery, WebhookEndpoint  # noqa: F401
