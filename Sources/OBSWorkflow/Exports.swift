// Records are JSON values; callers of the client use them without a second import.
@_exported import ObswJSON
