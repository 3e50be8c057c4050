"""Chain sync: the shops of a chain exchanging their changes through a shared folder.

Each shop keeps its own database and works offline; a central folder (a network share, a
synced cloud folder) carries signed files of events between them. See README, "A chain of
shops", and docs/ARCHITECTURE.md.

- :mod:`.setup`: the shop's store code and till, the chain secret, the folder;
- :mod:`.exchange`: export, import, and both in one run (the till's background sync);
- :mod:`.history`: one node id, one history (a copied database is stopped; ``--new-node``);
- :mod:`.status`: where this shop stands;
- :mod:`.conflicts`: what sync could not settle, for the owner.

The events themselves, their file and how they are applied are ``app.sync``'s.
"""
