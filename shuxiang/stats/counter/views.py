"""The COUNTER 5.1 reports and standard views this node offers, as data.

Each view names its level (platform, database, title, item), the metrics it shows, the data
types it keeps and the attributes shown on each performance block, exactly as in the Code of
Practice (Section 4 and the official sample reports).
"""

from __future__ import annotations

from dataclasses import dataclass, field

TITLE_LEVEL = {
    "ebook": "Book",
    "book": "Book",
    "journal": "Journal",
    "audio": "Sound",
    "video": "Audiovisual",
    "course": "Multimedia",
    "image": "Image",
    "newspaper": "Newspaper_or_Newsletter",
    "thesis": "Thesis_or_Dissertation",
}
ITEM_LEVEL = {"Book": "Unspecified", "Journal": "Article", "Newspaper_or_Newsletter": "News_Item"}
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
REQUESTS = ("Total_Item_Requests", "Unique_Item_Requests")
BOOKS = ("Book", "Reference_Work")
REGULAR = {"Access_Method": ["Regular"]}
CONTROLLED = {"Access_Type": ["Controlled"], "Access_Method": ["Regular"]}


@dataclass(frozen=True)
class View:
    report_id: str
    name: str
    level: str
    description: str
    metrics: tuple[str, ...] = ALL_METRICS
    data_types: tuple[str, ...] = ()
    attributes: tuple[str, ...] = ()
    shown: tuple[str, ...] = ()
    filters: dict = field(default_factory=dict)
    master: bool = False

    @property
    def path(self) -> str:
        return "/reports/" + self.report_id.lower()


VIEWS = {
    view.report_id.lower(): view
    for view in [
        View(
            "PR",
            "Platform Report",
            "platform",
            "All platform usage.",
            master=True,
            attributes=("Data_Type", "Access_Method"),
            shown=("Access_Method",),
        ),
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
            "DR",
            "Database Report",
            "database",
            "Usage by database.",
            master=True,
            attributes=("Data_Type", "Access_Method"),
            shown=("Access_Method",),
        ),
        View(
            "DR_D1",
            "Database Search and Item Usage",
            "database",
            "Searches and item usage.",
            metrics=(
                "Searches_Automated",
                "Searches_Federated",
                "Searches_Regular",
                "Total_Item_Investigations",
                "Total_Item_Requests",
                "Unique_Item_Investigations",
                "Unique_Item_Requests",
            ),
            filters=REGULAR,
        ),
        View(
            "DR_D2",
            "Database Access Denied",
            "database",
            "Refused access by database.",
            metrics=("Limit_Exceeded", "No_License"),
            filters=REGULAR,
        ),
        View(
            "TR",
            "Title Report",
            "title",
            "Usage by title.",
            master=True,
            attributes=("Data_Type", "YOP", "Access_Type", "Access_Method"),
            shown=("YOP", "Access_Type", "Access_Method"),
        ),
        View(
            "TR_B1",
            "Book Requests (Controlled)",
            "title",
            "Book requests.",
            metrics=("Total_Item_Requests", "Unique_Title_Requests"),
            data_types=BOOKS,
            attributes=("Data_Type", "YOP"),
            filters={"Data_Type": list(BOOKS), **CONTROLLED},
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
            "Journal requests.",
            metrics=REQUESTS,
            data_types=("Journal",),
            filters={"Data_Type": ["Journal"], **CONTROLLED},
        ),
        View(
            "TR_J3",
            "Journal Usage by Access Type",
            "title",
            "Journal usage by access type.",
            metrics=ALL_METRICS[2:6],
            data_types=("Journal",),
            attributes=("Access_Type",),
            filters={"Data_Type": ["Journal"], **REGULAR},
        ),
        View(
            "IR",
            "Item Report",
            "item",
            "Usage by item.",
            master=True,
            attributes=("Data_Type", "YOP", "Access_Type", "Access_Method"),
            shown=("YOP", "Access_Type", "Access_Method"),
        ),
    ]
}
