# English pages read dates as 30 Nov 2026 (unambiguous for readers on either side of the
# Atlantic) and the 24-hour clock the programme uses; numbers grouped by three with commas.
from django.conf.locale.en.formats import *  # noqa: F403

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y H:i"
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
