# Django's zh_Hans groups digits by four with no separator (12000); official statistics and
# finance documents in the province write 12,000 and ¥15,000.00, so group by three with commas.
from django.conf.locale.zh_Hans.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3

# The programme's one date format (core/formats.py): 2026年11月30日, 2026年11月30日 13:09.
DATE_FORMAT = "Y年n月j日"
DATETIME_FORMAT = "Y年n月j日 H:i"
TIME_FORMAT = "H:i"
