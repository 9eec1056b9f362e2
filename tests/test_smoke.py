from conftest import table_dump


def test_seed_then_coop_list_shows_makmur_mandiri_in_klari(cli):
    cli("seed")
    rows = cli.json("coop", "list")
    assert [(r["name"], r["kind"], r["kecamatan"]) for r in rows] == [("Koperasi Makmur Mandiri", "ksp", "Klari")]


def test_seeding_twice_leaves_the_same_database(cli, db_path):
    from koptrack import store

    cli("seed")
    eng = store.open_engine(str(db_path))
    first = table_dump(eng)
    cli("seed")
    assert table_dump(eng) == first
    assert len(first["kecamatan"]) == 30
    eng.dispose()
