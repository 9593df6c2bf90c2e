{#-
    Makes: the tag hashes of the day that known_tags cannot yet turn back
    into tags.
    From: day_readings and known_tags.
    Parameters: none.
-#}
select distinct r.tag_hash
from day_readings as r
anti join known_tags as k on r.tag_hash = k.tag_hash
order by r.tag_hash
