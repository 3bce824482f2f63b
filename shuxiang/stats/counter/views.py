"""The COUNTER 5.1 reports and standard views this node offers, as data.

Each view names its level (platform, database, title, item), the metrics it shows, the data
types and access types it keeps and the attributes shown on each performance block, exactly as
in the Code of Practice (Section 4 and the official sample reports). The four master reports
(PR, DR, TR, IR) also name the filters and attributes a request may set (``parameters``) and
the values each accepts — the lists of the COUNTER_SUSHI API (``tests`` compare them with the
official specification).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Resource types (the events' resource_type) → title-level Data_Type.
TITLE_LEVEL = {
    "ebook": "Book",
    "book": "Book",
    "classic": "Book",
    "journal": "Journal",
    "journal_issue": "Journal",
    "audio": "Sound",
    "video": "Audiovisual",
    "course": "Multimedia",
    "image": "Image",
    "newspaper": "Newspaper_or_Newsletter",
    "newspaper_page": "Newspaper_or_Newsletter",
    "thesis": "Thesis_or_Dissertation",
}
# Title-level Data_Type → the Data_Type of the item (IR): a journal issue is reported as the
# journal's article-level content, a newspaper page as a news item.
ITEM_LEVEL = {"Book": "Unspecified", "Journal": "Article", "Newspaper_or_Newsletter": "News_Item"}
TITLE_TYPES = {"Book", "Journal", "Newspaper_or_Newsletter", "Thesis_or_Dissertation", "Other"}
MULTIMEDIA = ("Audiovisual", "Image", "Interactive_Resource", "Multimedia", "Sound")
PARENT_TYPES = {"Journal", "Newspaper_or_Newsletter"}  # items that have a parent title
ALL_METRICS = (
    "Searches_Platform",
    "Searches_Regular",
    "Total_Item_Investigations",
    "Total_Item_Requests",
    "Unique_Item_Investigations",
    "Unique_Item_Requests",
    "Unique_Title_Investigations",
    "Unique_Title_Requests",
)
DENIALS = ("Limit_Exceeded", "No_License")
ITEM_METRICS = ALL_METRICS[2:6]
REQUESTS = ("Total_Item_Requests", "Unique_Item_Requests")
BOOKS = ("Book", "Reference_Work")
REGULAR = {"Access_Method": ["Regular"]}
CONTROLLED = {"Access_Type": ["Controlled"], "Access_Method": ["Regular"]}
ACCESS_TYPES = ("Controlled", "Open", "Free_To_Read")
ACCESS_METHODS = ("Regular", "TDM")
EXTENSIONS = ("Institution_Name", "Customer_ID", "Country_Name", "Country_Code")
EXTENSIONS += ("Subdivision_Name", "Subdivision_Code", "Attributed")

# Data_Type values each master report accepts (COUNTER_SUSHI API, {ID}_Report_Filters).
PR_DATA_TYPES = [
    "Article",
    "Audiovisual",
    "Book",
    "Book_Segment",
    "Conference",
    "Conference_Item",
    "Database_Full_Item",
    "Dataset",
    "Image",
    "Interactive_Resource",
    "Journal",
    "Multimedia",
    "News_Item",
    "Newspaper_or_Newsletter",
    "Other",
    "Patent",
    "Platform",
    "Reference_Item",
    "Reference_Work",
    "Report",
    "Software",
    "Sound",
    "Standard",
    "Thesis_or_Dissertation",
    "Unspecified",
]
DR_DATA_TYPES = [
    "Audiovisual",
    "Book",
    "Conference",
    "Database_Aggregated",
    "Database_AI",
    "Database_Full",
    "Database_Full_Item",
    "Image",
    "Interactive_Resource",
    "Journal",
    "Multimedia",
    "Newspaper_or_Newsletter",
    "Other",
    "Patent",
    "Reference_Work",
    "Report",
    "Sound",
    "Standard",
    "Thesis_or_Dissertation",
    "Unspecified",
]
TR_DATA_TYPES = [
    "Book",
    "Conference",
    "Journal",
    "Newspaper_or_Newsletter",
    "Other",
    "Patent",
    "Reference_Work",
    "Report",
    "Standard",
    "Thesis_or_Dissertation",
    "Unspecified",
]
IR_DATA_TYPES = [
    "Article",
    "Audiovisual",
    "Book_Segment",
    "Conference_Item",
    "Database_Full_Item",
    "Dataset",
    "Image",
    "Interactive_Resource",
    "Multimedia",
    "News_Item",
    "Other",
    "Patent",
    "Reference_Item",
    "Report",
    "Software",
    "Sound",
    "Standard",
    "Thesis_or_Dissertation",
    "Unspecified",
]
TITLE_FILTERS = ("metric_type", "data_type", "access_method", "access_type", "yop", "item_id")


@dataclass(frozen=True)
class View:
    report_id: str
    name: str
    level: str
    description: str
    metrics: tuple[str, ...] = ALL_METRICS
    data_types: tuple[str, ...] = ()
    access_types: tuple[str, ...] = ()
    attributes: tuple[str, ...] = ()
    filters: dict = field(default_factory=dict)
    master: bool = False
    parameters: tuple[str, ...] = ()  # optional filters and attributes a request may set
    metric_values: tuple[str, ...] = ()  # metric_type values a request may name
    data_type_values: tuple[str, ...] = ()
    shown_values: tuple[str, ...] = ()  # attributes_to_show values the API lists
    with_parent: bool = False  # items grouped under their parent title (IR_A1)

    @property
    def path(self) -> str:
        return "/reports/" + self.report_id.lower()


MASTER_ATTRIBUTES = ("attributes_to_show", "granularity")
MASTERS = [
    View(
        "PR",
        "Platform Report",
        "platform",
        "All platform usage.",
        master=True,
        attributes=("Data_Type",),
        parameters=("metric_type", "data_type", "access_method", *MASTER_ATTRIBUTES),
        metric_values=("Searches_Platform", *ALL_METRICS[2:]),
        data_type_values=tuple(PR_DATA_TYPES),
        shown_values=("Access_Method", *EXTENSIONS),
    ),
    View(
        "DR",
        "Database Report",
        "database",
        "Usage by database.",
        metrics=(*ALL_METRICS, *DENIALS),
        master=True,
        attributes=("Data_Type",),
        parameters=("metric_type", "data_type", "access_method", "database", *MASTER_ATTRIBUTES),
        metric_values=("Searches_Automated", "Searches_Federated", *ALL_METRICS[1:], *DENIALS),
        data_type_values=tuple(DR_DATA_TYPES),
        shown_values=("Access_Method", *EXTENSIONS),
    ),
    View(
        "TR",
        "Title Report",
        "title",
        "Usage by title.",
        metrics=(*ALL_METRICS[2:], *DENIALS),
        master=True,
        attributes=("Data_Type",),
        parameters=(*TITLE_FILTERS, *MASTER_ATTRIBUTES),
        metric_values=(*ALL_METRICS[2:], *DENIALS),
        data_type_values=tuple(TR_DATA_TYPES),
        shown_values=("YOP", "Access_Type", "Access_Method", *EXTENSIONS, "Format")
        + ("Book_Segment_Count",),
    ),
    View(
        "IR",
        "Item Report",
        "item",
        "Usage by item.",
        metrics=(*ITEM_METRICS, *DENIALS),
        master=True,
        attributes=("Data_Type",),
        parameters=(*TITLE_FILTERS, "author", *MASTER_ATTRIBUTES)
        + ("include_parent_details", "include_component_details"),
        metric_values=(*ITEM_METRICS, *DENIALS),
        data_type_values=tuple(IR_DATA_TYPES),
        shown_values=("YOP", "Access_Type", "Access_Method", "Authors", "Publication_Date")
        + ("Article_Version", *EXTENSIONS),
    ),
]
STANDARD = [
    View(
        "PR_P1",
        "Platform Usage",
        "platform",
        "Platform searches and requests.",
        metrics=("Searches_Platform", *REQUESTS, "Unique_Title_Requests"),
        attributes=("Data_Type",),
        filters=REGULAR,
    ),
    View(
        "DR_D1",
        "Database Search and Item Usage",
        "database",
        "Searches and item usage.",
        metrics=("Searches_Automated", "Searches_Federated", "Searches_Regular", *ITEM_METRICS),
        filters=REGULAR,
    ),
    View(
        "DR_D2",
        "Database Access Denied",
        "database",
        "Refused access by database.",
        metrics=DENIALS,
        filters=REGULAR,
    ),
    View(
        "TR_B1",
        "Book Requests (Controlled)",
        "title",
        "Book requests, excluding open and free content.",
        metrics=("Total_Item_Requests", "Unique_Title_Requests"),
        data_types=BOOKS,
        access_types=("Controlled",),
        attributes=("Data_Type", "YOP"),
        filters={"Data_Type": list(BOOKS), **CONTROLLED},
    ),
    View(
        "TR_B2",
        "Book Access Denied",
        "title",
        "Book access denied (simultaneous-use limit or no licence).",
        metrics=DENIALS,
        data_types=BOOKS,
        attributes=("Data_Type", "YOP"),
        filters={"Data_Type": list(BOOKS), **REGULAR},
    ),
    View(
        "TR_B3",
        "Book Usage by Access Type",
        "title",
        "Book usage by access type.",
        metrics=ALL_METRICS[2:],
        data_types=BOOKS,
        attributes=("Data_Type", "YOP", "Access_Type"),
        filters={"Data_Type": list(BOOKS), **REGULAR},
    ),
    View(
        "TR_J1",
        "Journal Requests (Controlled)",
        "title",
        "Journal requests, excluding open and free content.",
        metrics=REQUESTS,
        data_types=("Journal",),
        access_types=("Controlled",),
        filters={"Data_Type": ["Journal"], **CONTROLLED},
    ),
    View(
        "TR_J2",
        "Journal Access Denied",
        "title",
        "Journal access denied (simultaneous-use limit or no licence).",
        metrics=DENIALS,
        data_types=("Journal",),
        filters={"Data_Type": ["Journal"], **REGULAR},
    ),
    View(
        "TR_J3",
        "Journal Usage by Access Type",
        "title",
        "Journal usage by access type.",
        metrics=ITEM_METRICS,
        data_types=("Journal",),
        attributes=("Access_Type",),
        filters={"Data_Type": ["Journal"], **REGULAR},
    ),
    View(
        "TR_J4",
        "Journal Requests by YOP (Controlled)",
        "title",
        "Journal requests by year of publication, excluding open and free content.",
        metrics=REQUESTS,
        data_types=("Journal",),
        access_types=("Controlled",),
        attributes=("YOP",),
        filters={"Data_Type": ["Journal"], **CONTROLLED},
    ),
    View(
        "IR_A1",
        "Journal Article Requests",
        "item",
        "Requests of journal content, by item, under its journal.",
        metrics=REQUESTS,
        data_types=("Article",),
        attributes=("Access_Type",),
        filters={"Data_Type": ["Article"], **REGULAR},
        with_parent=True,
    ),
    View(
        "IR_M1",
        "Multimedia Item Requests",
        "item",
        "Requests of audio, video, images and other multimedia items.",
        metrics=REQUESTS,
        data_types=MULTIMEDIA,
        attributes=("Data_Type",),
        filters={"Data_Type": list(MULTIMEDIA), **REGULAR},
    ),
]
ORDER = ["PR", "PR_P1", "DR", "DR_D1", "DR_D2", "TR", "TR_B1", "TR_B2", "TR_B3", "TR_J1"]
ORDER += ["TR_J2", "TR_J3", "TR_J4", "IR", "IR_A1", "IR_M1"]
_ALL = {view.report_id: view for view in [*MASTERS, *STANDARD]}
VIEWS = {report_id.lower(): _ALL[report_id] for report_id in ORDER}
