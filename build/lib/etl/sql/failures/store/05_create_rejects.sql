-- Makes: table rejects (every input line or item that was not loaded, and why), if missing.
--   Key: (source_file, line_no); line_no is the line for .log/.csv files and
--   the item's position in the array for .json files.
-- From: nothing.
-- Parameters: none.
create table if not exists rejects (
    source_file varchar(1024) not null,
    line_no bigint not null check (line_no > 0),
    raw_text varchar not null,
    reason varchar not null,
    primary key (source_file, line_no)
)
