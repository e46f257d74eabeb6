"""Bulk files on « Liste des utilisateurs »: import of users with their groups, export of one's scope.

- `parse`: a CSV (UTF-8, `;` or `,`) or XLSX file into rows of text, or a refusal of the whole file;
- `plan`: what each row would do (create, change, close, nothing) or why it is refused, decided with the
  actor's `Seat` (portail/access) and the services' own checks, in a constant number of queries;
- `apply`: the plan written in one transaction under locks, re-planned there and compared with the preview;
- `export`: users, groups, roles and memberships of the actor's scope as CSV or XLSX;
- `models`: the pending import kept between the preview and « Confirmer l'import ».
"""
