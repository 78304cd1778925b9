"""Wire codecs for GPS terminals: JT/T 808 over TCP (``jt808``) and OsmAnd over HTTP (``osmand``).

Pure functions over bytes and request parts; no Django, no sockets, no storage.
"""

from datetime import timedelta, timezone

GMT8 = timezone(timedelta(hours=8), "GMT+8")  # Beijing time, the clock of JT/T 808 (北京时间)
