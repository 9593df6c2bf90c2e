-- Makes the warehouse schema `blog_analysis` if it is not there yet.
-- From: nothing. Parameters: none.
create schema if not exists blog_analysis
