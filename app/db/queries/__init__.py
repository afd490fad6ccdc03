"""Every statement the hub runs, one module per resource (polar's ``repository.py``).

A use case asks a module here for what it needs; it never builds a statement itself, and routers
run none at all. Read paths get plain rows (frozen dataclasses built from Core results), never
ORM objects held in an identity map. A reader's scope (which rows a caller may know exist) is one
predicate, written once, in the module of its resource.
"""
