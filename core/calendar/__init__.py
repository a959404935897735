"""The Chinese working-day calendar: statutory holidays and the weekend days
worked in their place (调休), kept in the database so an admin can load the
State Council's schedule for years the chinese-calendar package does not know."""
