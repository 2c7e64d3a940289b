"""A bad seed is one line naming the file, the entry and the problem, before anything starts."""

import pytest

import batchkit
from batchkit.local import service

DEMO_CE = "computeEnvironments:\n  - {computeEnvironmentName: ce, type: UNMANAGED}\n"


@pytest.mark.parametrize("text, words", [
    ("- a\n- b\n", ["a seed is a mapping", "not list"]),
    ("5\n", ["a seed is a mapping", "not int"]),
    ("jobs: 5\n", ["jobs must be a list of SubmitJob requests, not int"]),
    ("", ["is empty"]),
    ("{{{", ["is not valid YAML or JSON"]),
    ("queues: []\n", ["unknown key 'queues'"]),
    ("jobQueues:\n  - 7\n", ["jobQueues[0] (not a mapping)", "expected a CreateJobQueue request, got 7"]),
    ("jobQueues:\n  - {jobQueueName: q, priority: 5000, computeEnvironmentOrder: []}\n",
     ["jobQueues[0] (q)", "priority", "between 0 and 1000"]),
    ("jobDefinitions:\n  - {jobDefinitionName: 'bad\n', type: container}\n", ["jobDefinitions[0]", "jobDefinitionName"]),
    ("jobs:\n  - {jobName: j, jobQueue: q}\n", ["jobs[0] (j)", "Missing required parameter", "jobDefinition"]),
    (DEMO_CE + "jobQueues:\n  - {jobQueueName: q, priority: 1, computeEnvironmentOrder: [{order: 1, computeEnvironment: nope}]}\n",
     ["jobQueues[0] (q)", "nope does not exist"]),
    (DEMO_CE + "jobs:\n  - {jobName: j, jobQueue: nowhere, jobDefinition: d}\n", ["jobs[0] (j)", "nowhere does not exist"]),
    # recorded logs: lines of text or {timestamp, message} events (a number, a half event, a text alone)
    *[(f"jobs:\n  - {{jobName: j, jobQueue: q, jobDefinition: d, status: SUCCEEDED, logs: {logs}}}\n",
       ["jobs[0] (j)", "logs", "a list of lines, each a text or {timestamp: epoch ms, message: text}"])
      for logs in ("[42]", "[{message: m}]", "[{timestamp: 1, message: 2}]", "just one line")],
])
def test_each_bad_seed_is_one_line_naming_file_entry_and_problem(tmp_path, text, words):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    running = dict(service._runtimes)
    with pytest.raises(ValueError) as caught:
        batchkit.local(seed=str(path))
    message = str(caught.value)
    assert "\n" not in message and str(path) in message, message
    for word in words:
        assert word in message, message
    assert service._runtimes == running  # nothing left running


def test_a_bad_dict_seed_is_named_too():
    with pytest.raises(ValueError, match=r"^seed: jobQueues must be a list"):
        batchkit.local(seed={"jobQueues": {"jobQueueName": "q"}})


def test_a_server_opens_no_port_while_its_seed_fails(tmp_path, monkeypatch):
    import socket

    bound, bind = [], socket.socket.bind
    monkeypatch.setattr(socket.socket, "bind", lambda sock, address: (bound.append(address), bind(sock, address))[1])
    path = tmp_path / "bad.yaml"
    path.write_text(DEMO_CE + "jobs:\n  - {jobName: j, jobQueue: nowhere, jobDefinition: d}\n")
    with pytest.raises(ValueError, match="nowhere does not exist"):
        batchkit.local(seed=str(path), server=True)
    assert bound == []  # nothing answered requests while the seed was going in
    with batchkit.local(seed="empty", server=True) as served:
        assert bound and served.client.meta.endpoint_url == served.endpoint_url
