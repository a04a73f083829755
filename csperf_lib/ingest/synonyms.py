"""The words exports use for each canonical column: :data:`SYNONYMS`, read by
:mod:`csperf_lib.ingest.proposal`.

Kept apart from the matching logic because it is data, grown from the exports ``csperf init`` meets
(contact-centre platforms, ticketing and CRM tools, survey platforms, review sites, cities'
service-request registers). Each entry is ``"phrase"`` or ``"phrase:weight"``; names are compared
after :func:`csperf_lib.ingest.profiling._normalise` (lower case, camelCase and punctuation split,
units and flag suffixes removed) and a plural ``s`` is ignored.
"""

from __future__ import annotations

__all__ = ["SYNONYMS"]


#: Name synonyms per table and canonical column, ``"phrase"`` or ``"phrase:weight"`` (weight below
#: 1 for generic words such as "date"). The canonical name itself is always a synonym, so columns
#: added to the schema later are still matched by their own name.
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "contacts": {
        "contact_id": (
            "contact id", "call id", "interaction id", "session id", "conversation id", "chat id",
            "call reference", "contact reference", "call ref", "callid", "call sid", "sid:0.8", "ticket id:0.8", "conversation:0.8",
            "interaction:0.8", "interaction id key", "interaction key", "work id:0.9", "work item id:0.9",
            "case id:0.7", "record id:0.7", "id:0.6", "engagement id", "interaction uuid:0.9"),
        "channel": (
            "channel", "contact channel", "media type", "media", "contact type:0.8",
            "interaction type:0.8", "submitted via:0.8", "channel type"),
        "queue": (
            "queue", "queue name", "skill", "skill group", "split", "vdn", "topic:0.9",
            "service:0.8", "call type:0.8", "call reason:0.8", "reason:0.7", "category:0.7",
            "department:0.7", "campaign:0.8", "application:0.6", "line:0.6", "ring group",
            "line name:0.8", "skill name", "target name:0.7", "department name:0.8", "group name:0.7", "workgroup", "workgroup id:0.9",
            "assigned workgroup", "last assigned workgroup"),
        "team": ("team", "team name", "agent group", "group:0.8", "supervisor:0.7", "site:0.6"),
        "agent_id": (
            "agent", "agent id", "agent name", "operator", "representative", "rep:0.8", "advisor",
            "adviser", "employee", "employee id", "csr", "handled by:0.8", "staff:0.7", "user:0.6",
            "login id:0.8", "assignee:0.7", "users interacted", "user name:0.8", "username:0.8",
            "agent username", "owner:0.6", "extension:0.7", "local user id:0.8", "user id:0.7",
            "last local user:0.8"),
        "region": (
            "region", "area:0.8", "borough", "state:0.8", "country:0.8", "city:0.7", "territory",
            "market:0.7", "location:0.6"),
        "arrived_at": (
            "arrived at", "arrival time", "arrival", "call start", "start time", "call date",
            "contact date", "call time:0.8", "offered at", "queue start", "datetime:0.8",
            "date time:0.8", "timestamp:0.8", "created at:0.8", "created date:0.8",
            "start date:0.8", "date:0.7", "start:0.7", "created:0.6", "received:0.6",
            "initiation timestamp", "initiation time", "initiated at", "started at",
            "call started", "started:0.7", "request datetime:0.8", "request time:0.8", "created on:0.8", "initiated datetime", "initiated date time",
            "initiated:0.8",
            "requested at:0.8", "queued at", "queued", "enqueued at",
            "entered queue", "queue entered"),
        "wait_s": (
            "wait", "wait time", "waiting time", "speed of answer", "answer speed", "asa",
            "queue time", "time in queue", "time to answer", "ring time:0.8", "answer time:0.8",
            "queue duration", "wait duration", "total queue:0.9", "queue wait", "queue wait time", "first response time:0.8", "response time first:0.8",
            "waiting:0.9", "inqueue", "inqueue time", "in queue time", "queue:0.7", "queue second:0.9"),
        "answered": (
            "answered", "is answered", "call answered", "answered flag", "connected:0.8",
            "handled:0.8", "calls answered:0.8", "answer:0.9"),
        "abandoned": (
            "abandoned", "abandon", "is abandoned", "abandoned flag", "dropped:0.8", "hung up:0.8",
            "missed:0.9", "missed call", "unanswered"),
        "talk_s": (
            "talk", "talk time", "talk duration", "talktime", "conversation duration",
            "call duration:0.9", "duration:0.75", "handle time:0.7", "aht:0.6", "total talk",
            "agent interaction duration", "interaction duration:0.8", "in call duration",
            "in call", "acd time:0.9", "agent time:0.8", "handling duration:0.8",
            "handling time:0.8", "handle:0.75", "handle second:0.8"),
        "hold_s": (
            "hold", "hold time", "hold duration", "on hold", "total hold", "held:0.9", "time held",
            "customer hold duration"),
        "wrap_s": (
            "wrap", "wrap up", "wrapup", "wrap time", "wrap up time", "after call work", "acw",
            "after call", "total acw", "after contact work", "after contact work duration",
            "after call work time"),
        "resolved_first_contact": (
            "first contact resolution", "fcr", "resolved first contact", "first call resolution",
            "resolved on first contact", "resolved:0.85", "resolution:0.6", "solved:0.8"),
        "transferred": ("transferred", "transfer", "is transferred", "transfers:0.9"),
        "escalated": ("escalated", "escalation", "is escalated"),
    },
    "surveys": {
        "response_id": (
            "response id", "survey id", "feedback id", "review id", "respondent id",
            "survey response id", "id:0.6"),
        "contact_id": (
            "contact id", "call id", "interaction id", "conversation id", "ticket id:0.8",
            "case id:0.7"),
        "responded_at": (
            "responded at", "response date", "survey date", "review date", "feedback date",
            "completed at", "submitted at", "submitted:0.8", "timestamp:0.8", "created at:0.8",
            "date:0.7", "created:0.6", "recorded date", "end date:0.8", "review submit date",
            "review created", "date submitted", "submit date", "response time:0.6", "completion time", "completion date",
            "completed:0.8", "date completed", "finished at", "end time:0.7"),
        "queue": (
            "queue", "product", "product name", "variation", "service:0.8", "topic:0.8",
            "category:0.7", "department:0.7", "skill:0.8", "model:0.7", "area:0.6", "team:0.8",
            "site:0.6", "airline:0.8", "company:0.7", "brand:0.8", "channel:0.7",
            "app version:0.6", "location:0.7", "asin:0.8", "product id:0.8", "sku:0.7",
            "team assigned:0.9", "business:0.7", "hotel:0.8", "store:0.7", "branch:0.7", "touchpoint:0.8",
            "touch point:0.8", "journey:0.7",
            "property:0.6"),
        "csat": (
            "csat", "satisfaction", "satisfaction rating", "satisfaction score",
            "customer satisfaction", "overall satisfaction", "star rating", "stars", "rating:0.9",
            "overall rating:0.9", "score:0.6", "osat", "satisfied", "how satisfied",
            "review stars", "star:0.9", "service rating:0.8", "service:0.5", "how would you rate",
            "rate our service", "rate us:0.9", "conversation rating:0.9"),
        "nps": (
            "nps", "net promoter", "net promoter score", "likelihood to recommend",
            "likely to recommend", "ltr", "recommend:0.8", "how likely recommend",
            "likelihood recommend", "would recommend:0.9"),
        "ces": (
            "ces", "customer effort", "customer effort score", "effort:0.8", "ease:0.6",
            "how easy", "easy:0.7", "effort score"),
        "comment": (
            "comment", "comments", "verbatim", "verified reviews", "review text", "feedback text",
            "free text", "remarks", "open answer", "review:0.9", "reviews:0.9", "feedback:0.8",
            "text:0.7", "review content", "main reason", "reason for your score", "reason:0.6",
            "done better:0.8", "message:0.7", "content:0.7", "customer review", "tell us more",
            "do better:0.8", "anything else:0.8", "rating remark:0.9", "remark:0.8"),
    },
    "complaints": {
        # What the complaint is about is its category; the product or service it concerns is
        # the queue, as a contact queue would be.
        "complaint_id": (
            "complaint id", "complaint number", "complaint reference", "unique key", "case id",
            "case number", "case reference", "request id", "service request id", "sr number",
            "ticket id:0.8", "reference:0.7", "id:0.6", "key:0.6", "case enquiry id",
            "ticket number", "incident number", "incident id", "number:0.6", "message id:0.7",
            "sr id", "complaint ref", "ref:0.7", "tweet id", "post id", "comment id", "mention id",
            "conversation id:0.9", "thread id:0.9", "report id", "enquiry id", "enquiry reference"),
        "received_at": (
            "received at", "date received", "received date", "created date", "created at",
            "date opened", "opened date", "opened", "date logged", "logged at", "date submitted",
            "complaint date", "received:0.8", "created:0.8", "submitted:0.7", "date:0.6",
            "open dt", "open date", "opened at", "created time", "create date", "date time opened",
            "open:0.7", "submit date:0.8", "creation date", "creation time", "created on",
            "timestamp:0.7", "date created", "add date:0.9", "date added", "added at", "added on",
            "requested datetime", "requested at", "requested date", "date requested",
            "requested:0.8", "request date", "reported at", "date reported", "reported:0.7"),
        "channel": (
            "channel", "submitted via", "received via", "open data channel type", "channel type",
            "intake channel", "contact channel", "via:0.7", "source:0.6", "origin:0.6",
            "case origin", "contact type", "method received", "network:0.6", "how received",
            "request source", "received by:0.8", "page type:0.8", "source type:0.8", "method:0.7", "contact method", "received method"),
        "category": (
            "category", "complaint category", "complaint type", "issue:0.95", "issue type", "category l1", "category level 1",
            "category 1", "level 1 category",
            "type:0.7", "reason:0.7", "topic:0.8", "problem:0.7", "product:0.7", "ticket type:0.9",
            "case reason", "root cause:0.8", "sr type", "service request type", "request category",
            "case title:0.6", "complaint reason", "tag:0.7", "label:0.7", "negative reason:0.9",
            "request type:0.9", "subject:0.6", "service code description:0.9",
            "service description:0.8", "primary subject", "reason for complaint",
            "nature of complaint", "complaint subject", "service name:0.8", "subject area:0.9",
            "enquiry type", "case type", "report type", "problem type", "enquiry category",
            "enquiry reason", "feedback type"),
        "sub_category": (
            "sub category", "subcategory", "sub issue", "sub type", "subtype", "descriptor", "category l2", "category level 2",
            "category 2", "level 2 category", "category l3:0.8",
            "sub product:0.8", "detail:0.6", "type:0.6", "request type:0.8", "request details:0.6",
            "sub reason"),
        "queue": (
            "queue", "agency", "department", "product:0.9", "team:0.8", "assigned to:0.8",
            "agency name:0.85", "company:0.7", "business unit:0.8", "handled by:0.8",
            "service:0.6", "group:0.8", "assignment group", "owner department",
            "responsible agency", "division:0.8", "support group:0.9", "airline:0.8", "brand:0.8",
            "service area", "owner:0.7", "team assigned:0.9", "service area name", "directorate",
            "mailbox:0.9", "inbox:0.8", "business area:0.9", "product group:0.9", "organization:0.8",
            "organisation:0.8"),
        "region": (
            "region", "borough", "state:0.9", "area:0.8", "country:0.8", "county:0.8",
            "district:0.8", "city:0.7", "territory", "location:0.5", "zip code:0.5",
            "neighborhood", "neighbourhood", "community area:0.8", "ward:0.7",
            "council district:0.8", "supervisor district:0.7", "postcode district:0.7",
            "zipcode:0.7", "zip:0.7", "postcode:0.7", "post code:0.7"),
        "acknowledged_at": (
            "acknowledged at", "acknowledged", "date acknowledged", "acknowledgement date",
            "acknowledgment date", "first response date:0.8", "first response:0.8",
            "initial response time", "initial response", "acknowledgement sent"),
        "resolved_at": (
            "resolved at", "closed date", "date closed", "closed at", "closed", "resolution date",
            "date resolved", "resolved:0.8", "completed:0.7", "resolution action updated date:0.5",
            "solved at", "solved", "closed dt", "close date", "resolved time",
            "final response date", "final response:0.9", "closed time", "date time closed",
            "date responded", "responded:0.7", "response date:0.8", "resolved on", "closed on",
            "closed datetime", "done at:0.9", "last done at:0.9", "done:0.7", "fixed at", "date fixed",
            "fixed:0.8", "completed at:0.9", "completion date:0.9", "date completed:0.9"),
        "upheld": ("upheld", "complaint upheld", "justified", "founded:0.8", "substantiated"),
        "text": (
            "text", "narrative", "complaint narrative", "consumer complaint narrative",
            "complaint text", "description:0.9", "details:0.8", "complaint:0.7", "comments:0.7",
            "summary:0.7", "message:0.8", "short description:0.8", "subject:0.6",
            "ticket description", "body:0.7", "request details:0.5", "case title:0.8", "title:0.7",
            "preview:0.8", "complaint summary", "complaint details", "detail:0.7"),
        "contact_id": ("contact id", "call id", "interaction id"),
        "customer_id": (
            "customer id", "customer number", "client id", "consumer id", "member id",
            "account number:0.8", "account:0.7", "customer:0.7", "caller id", "caller:0.8",
            "requester id", "requester:0.7", "reporter:0.7"),
        "status": (
            "status", "case status", "complaint status", "current status", "ticket status",
            "sr status", "state:0.5", "status reason"),
        "outcome": (
            "outcome", "company response to consumer", "company response", "resolution",
            "result:0.8", "decision:0.8", "resolution description:0.8",
            "company public response:0.6", "response:0.6"),
        "timely": (
            "timely", "timely response", "on time", "within deadline", "sla met", "in sla:0.8",
            "within target", "target met", "met target", "in target", "within sla", "sla achieved",
            "within timescale", "response within timescale", "in timescale", "within timeframe",
            "resolution status:0.6", "sla status:0.9", "sla:0.7"),
        "forwarded_at": (
            "forwarded at", "date sent to company", "sent to company", "forwarded",
            "date forwarded", "referred at", "date referred", "date sent:0.8", "assigned date:0.7"),
    },
    "qa_evaluations": {
        "evaluation_id": (
            "evaluation id", "evaluation", "assessment id", "scorecard id", "form id:0.8",
            "audit id", "qa id", "review id:0.7", "grade id", "evaluation number", "score id",
            "scoring id", "audit number", "assessment number", "review:0.6",
            "scorecard response id"),
        "contact_id": (
            "contact id", "call id", "interaction id", "conversation id", "ticket id", "ticket:0.8",
            "case id:0.8", "chat id", "session id", "contact reference", "interaction reference",
            "conversation reference", "ticket reference"),
        "agent_id": ("agent", "agent id", "agent name", "employee", "advisor", "adviser", "reviewee",
            "evaluatee", "agent reviewed", "assessed agent", "graded agent", "user:0.6", "staff member",
            "staff:0.8", "team member", "colleague:0.8", "agent evaluated"),
        "evaluator_id": (
            "evaluator", "evaluator id", "reviewer", "assessor", "auditor", "qa analyst", "analyst", "qa lead:0.8",
            "scored by", "evaluated by", "grader", "graded by", "qa reviewer"),
        "evaluated_at": (
            "evaluated at", "evaluation date", "reviewed at", "scored at", "date:0.6", "graded at",
            "graded date", "date graded", "evaluation time", "review date", "reviewed date",
            "created at:0.7", "created:0.6", "review created:0.9", "date scored", "score date",
            "scored date", "date evaluated", "assessment date"),
        "item": (
            "item", "question", "criterion", "criteria", "attribute", "behaviour", "behavior",
            "competency", "section:0.7", "question text", "rubric question", "category:0.8",
            "rating category", "scorecard item", "criterion name"),
        "score": (
            "score", "points", "points awarded", "mark", "result:0.7", "points earned",
            "points scored", "rating:0.8"),
        "max_score": (
            "max score", "maximum score", "max points", "possible points", "out of", "maximum:0.8",
            "max:0.8", "weight:0.6", "points possible", "possible"),
        "critical": ("critical", "is critical", "fatal", "auto fail", "autofail", "fatal error", "fail all",
            "critical fail", "critical error", "fail:0.8", "zero tolerance"),
    },
    "intervals": {
        "interval_start": (
            "interval start", "interval", "interval start time", "period start", "date time:0.8",
            "datetime:0.8", "timestamp:0.8", "start:0.7", "date:0.7", "time:0.6", "day:0.6",
            "period:0.7"),
        "interval_index": (
            "interval index", "index", "row", "row number", "sequence", "interval number",
            "period number", "day number", "no:0.7"),
        "interval_s": (
            "interval length", "interval seconds", "interval minutes", "period length",
            "interval duration"),
        "queue": (
            "queue", "skill", "split", "campaign", "vdn", "skill group", "service:0.7", "csq name",
            "csq", "queue name", "skill name", "team:0.8", "group:0.7", "call type:0.8",
            "call type name", "department:0.7"),
        "offered": (
            "offered", "calls offered", "contacts offered", "incoming", "incoming calls",
            "inbound calls", "calls received", "presented", "total calls:0.9", "calls:0.7",
            "volume:0.8", "received:0.6", "offer", "calls presented", "contacts presented", "contacts queued", "calls queued", "queued:0.8", "calls offered total"),
        "answered": (
            "answered", "answered calls", "calls answered", "calls handled", "handled:0.8",
            "acd calls:0.8", "answer", "contacts handled", "handled contacts", "handled calls", "calls ans", "ans:0.9", "ans calls"),
        "abandoned": (
            "abandoned", "abandoned calls", "calls abandoned", "abandons", "aban", "abandon",
            "aban calls"),
        "answered_within_threshold": (
            "answered within threshold", "answered within sl", "answered in sl", "within sl",
            "answered within", "calls answered within", "ans within"),
        "service_level": (
            "service level", "sl", "grade of service", "gos", "service level percent",
            "within service level:0.9", "service level pct", "sla", "sla %", "service level %"),
        "threshold_s": (
            "threshold", "service level threshold", "sl threshold", "target answer time",
            "answer target"),
        "wait_s_total": (
            "total wait", "total wait time", "total waiting time", "wait time total",
            "total queue time", "wait total", "answer speed avg", "average speed of answer",
            "speed of answer avg", "asa", "answer speed:0.9", "speed of answer:0.9",
            "waiting time avg:0.8", "wait time avg:0.8", "waiting time:0.7", "avg speed ans",
            "speed ans", "avg queue time", "average queue time", "queue time:0.8", "queue answer time",
            "average queue answer time", "average wait:0.9",
            "average wait time:0.9", "wait:0.7"),
        "talk_s_total": (
            "total talk", "total talk time", "talk time total", "talk total", "talk duration avg",
            "talk time avg", "average talk time", "talk duration:0.9", "talk time:0.9",
            "avg acd time", "acd time:0.9", "average call duration", "call duration:0.8",
            "avg talk", "talk:0.8"),
        "handle_s_total": (
            "total handle", "total handle time", "handle time total", "handle total", "aht",
            "average handle time", "handle time avg", "handle time:0.9", "avg handle time"),
        "agents_staffed": (
            "agents staffed", "staffed", "agents", "agents logged in", "logged in agents",
            "positions staffed", "headcount:0.8", "fte:0.8", "avg pos staff", "pos staff"),
    },
}
