#!lua
-- Does not compile, on purpose, for the tests: line 4 is an unfinished assignment.
-- Returns nothing.
local answer =
