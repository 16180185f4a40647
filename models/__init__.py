"""The programme's data model: SQLAlchemy 2 typed tables, lifecycles and constraints.

Glossary (the Chinese terms the programme uses):
- 订单/需求 Order: a large firm's procurement, investment/M&A or technology-cooperation need.
- 供给 Listing: a small firm's product, technology or service it can supply.
- 服务包 ServicePackage: an incubator's or service organisation's offer, with value, quota and eligibility.
- 服务需求 ServiceDemand: a small firm's need for financing, IP, legal, testing, marketing, space ...
- 撮合 Match: one order–listing or demand–package pair someone acted on, with its score then.
- 创业导师 Mentor, 辅导 MentorSession: mentors offered to small firms and the sessions firms ask for.
- 排名 Ranking: one posting's ranked list of the other side, kept as arrays.
- 意向签约 / 正式签约: intention signed / contract signed.
- 应收账款融资 FinancingApplication: receivable financing on a signed contract; 确权: the buyer's confirmation.
- 金融机构 financial institution: a lender (company kind "financial", role financial_institution).
- 统一社会信用代码 credit_code: the 18-character unified social credit code (GB 32100-2015).
"""

from models.account_token import AccountToken
from models.api_token import ApiToken
from models.audit import AuditEvent
from models.base import Base
from models.company import Company, CompanyQualification
from models.deal import Contract, Match
from models.financing import FinancingApplication, FinancingChoice, FinancingOffer
from models.importing import CompanyMergeCandidate, CompanyNameChange, ImportBatch
from models.job import Job
from models.lifecycle import TransitionError, allowed_next, transition
from models.mail import OutboxMail
from models.market import Attachment, SavedSearch
from models.mentor import Mentor, MentorSession
from models.notification import DealMessage, Notification, NotificationSetting
from models.posting import Listing, Order, ServiceDemand, ServicePackage
from models.ranking import Ranking, RankingState
from models.reference import Industry, ProcurementCategory, Region
from models.user import User

__all__ = [
    "AccountToken",
    "ApiToken",
    "Attachment",
    "AuditEvent",
    "Base",
    "Company",
    "CompanyMergeCandidate",
    "CompanyNameChange",
    "CompanyQualification",
    "Contract",
    "DealMessage",
    "FinancingApplication",
    "FinancingChoice",
    "FinancingOffer",
    "ImportBatch",
    "Industry",
    "Job",
    "Listing",
    "Match",
    "Mentor",
    "MentorSession",
    "Notification",
    "NotificationSetting",
    "Order",
    "OutboxMail",
    "ProcurementCategory",
    "Ranking",
    "RankingState",
    "Region",
    "SavedSearch",
    "ServiceDemand",
    "ServicePackage",
    "TransitionError",
    "User",
    "allowed_next",
    "transition",
]
