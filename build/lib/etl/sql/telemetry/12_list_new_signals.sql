{#-
    Makes: the signal hashes of the day that known_signals cannot yet turn
    back into a payload type and tags.
    From: day_readings and known_signals.
    Parameters: none.
-#}
select distinct r.sig_hash
from day_readings as r
anti join known_signals as k on r.sig_hash = k.sig_hash
order by r.sig_hash
