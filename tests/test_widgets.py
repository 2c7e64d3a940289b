"""The widgets without a browser: forms from the catalog, the monitor on the manual clock."""

import json

import ipywidgets
import pytest
import yaml

import batchkit
from batchkit import catalog, widgets
from batchkit.widgets.forms import RESOURCES, FieldError, resource_kind
from tests.test_every_operation import request_for


@pytest.fixture(scope="module")
def local():
    with batchkit.local(seed="demo", launch_seconds=0, pull_seconds=0) as lb:  # not about scaling
        yield lb


@pytest.fixture
def calls(lb):
    return lb.calls


def known(lb):
    job_id = lb.submit("existing", queue="HighPriority", definition="sleep")
    with lb.quietly():
        policy = lb.client.create_scheduling_policy(name="fair")["arn"]
    return {"jobId": job_id, "jobs": [job_id], "reason": "form test", "jobQueue": "HighPriority",
            "jobDefinition": "sleep:1", "computeEnvironment": "spot-ce", "jobName": "from-form",
            "jobQueueName": "FormQueue", "computeEnvironmentName": "form-env", "jobDefinitionName": "formdef",
            "priority": 3, "tags": {"team": "ml"}, "tagKeys": ["team"], "resourceArn": "arn:aws:batch:us-east-1:123456789012:job-queue/HighPriority",
            "arn": policy, "arns": [policy]}


def settled(form):
    """The form once its live names have arrived (they are fetched on a thread)."""
    if form.loading:
        form.loading.join(timeout=30)
    return form


@pytest.mark.parametrize("name", list(catalog.operations()))
def test_every_operations_form_sends_the_request_it_shows(lb, name):
    op = catalog.operation(name)
    request = request_for(op, known(lb))
    form = settled(widgets.form(lb.batch, name)).fill(**request)
    assert form.request() == request
    form.run(confirmed=True)
    sent = [c for c in lb.calls if c.operation == name]
    assert sent, form.status.value  # the request reached the backend (answered or refused)
    assert {k: v for k, v in sent[-1].params.items() if k in request} == json.loads(json.dumps(request))


def test_fields_validate_as_you_type(lb):
    form = widgets.form(lb.batch, "SubmitJob")
    form.fields["arrayProperties"].widget.value = "{size: [unclosed"
    assert "not valid JSON/YAML" in form.fields["arrayProperties"].message.value
    form.fields["arrayProperties"].widget.value = "size: 3"
    assert form.fields["arrayProperties"].message.value == ""
    form.fields["schedulingPriorityOverride"].widget.value = "many"
    assert "not a number" in form.fields["schedulingPriorityOverride"].message.value
    with pytest.raises(FieldError, match="required: jobName, jobQueue, jobDefinition"):
        form.fields["schedulingPriorityOverride"].widget.value = ""
        form.request()
    listing = widgets.form(lb.batch, "ListJobs")
    assert list(listing.fields["jobStatus"].widget.options)[1:] == list(catalog.operation("ListJobs").member("jobStatus").enum)


def test_a_form_shows_service_errors_in_one_line(lb):
    form = widgets.form(lb.batch, "SubmitJob").fill(jobName="x", jobQueue="NoSuchQueue", jobDefinition="sleep")
    assert form.run() is None
    assert "ClientException" in form.status.value and "NoSuchQueue" in form.status.value


def test_destructive_forms_ask_before_running(lb):
    form = widgets.form(lb.batch, "DeleteJobQueue").fill(jobQueue="Backfill")
    assert form.run() is None and form.confirm.layout.display == ""
    assert not lb.calls.of("DeleteJobQueue")
    form.run(confirmed=True)
    assert lb.calls.of("DeleteJobQueue")


def test_monitor_counts_and_rows_follow_the_clock(lb):
    monitor = widgets.monitor(lb.batch, interval=None)
    job_id = lb.submit("watched", queue="HighPriority")
    monitor.refresh()
    assert monitor.tracker.jobs[job_id]["status"] == "SUBMITTED"
    assert monitor.tracker.counts().loc["HighPriority", "SUBMITTED"] == 1
    lb.advance(5)
    monitor.refresh()
    assert monitor.tracker.counts().loc["HighPriority", "RUNNING"] == 1
    lb.run_until_idle()
    monitor.refresh()
    assert monitor.tracker.jobs[job_id]["status"] == "SUCCEEDED"
    assert "watched" in monitor.table.html
    timeline = monitor.timeline  # b.timeline's figure, updated in place
    assert "watched" in timeline.layout.yaxis.ticktext and timeline.layout.xaxis.type == "date"
    assert [t.name for t in timeline.data if t.meta == "run"] == ["SUCCEEDED"]
    monitor.name.value = "watch*"
    assert list(monitor.rows()["jobName"]) == ["watched"]
    monitor.close()


def test_monitor_describes_only_unfinished_jobs(lb):
    monitor = widgets.monitor(lb.batch, interval=None)
    running = lb.submit("still-running", queue="HighPriority")
    lb.set_outcome("still-running", duration=3600)
    monitor.refresh()
    lb.advance(10)
    lb.calls.clear()
    monitor.refresh()
    described = [id_ for c in lb.calls.of("DescribeJobs") for id_ in c.params["jobs"]]
    assert described == [running]  # the three finished seed jobs are never asked about again
    assert all("filters" in c.params for c in lb.calls.of("ListJobs"))
    monitor.close()


def test_cancel_asks_for_confirmation_then_cancels(lb):
    lb.client.update_compute_environment(computeEnvironment="spot-ce", state="DISABLED")
    job_id = lb.submit("queued", queue="Backfill")
    lb.advance(5)
    monitor = widgets.monitor(lb.batch, interval=None)
    monitor.select(job_id)
    monitor.cancel_button.click()
    assert monitor.confirm_button.layout.display == "" and not lb.calls.of("CancelJob")
    monitor.abort_button.click()
    assert monitor.confirm_button.layout.display == "none"
    monitor.cancel_button.click()
    monitor.confirm_button.click()
    assert monitor.tracker.jobs[job_id]["status"] == "FAILED"
    assert "Cancelled from the batchkit monitor" in monitor.tracker.jobs[job_id]["statusReason"]
    monitor.close()


def test_monitor_shows_api_errors_backs_off_and_recovers(lb):
    monitor = widgets.monitor(lb.batch, interval=None)
    monitor.interval = monitor._delay = 1.0
    lb.faults.error("*", status=400, code="ClientException", message="injected outage")
    assert monitor.refresh() is False
    assert "injected outage" in monitor.status.value and monitor._delay == 2.0
    lb.faults.clear()
    assert monitor.refresh() is True and monitor.error is None and monitor._delay == 1.0
    monitor.close()


def test_monitor_refreshes_in_the_background_and_stops_when_closed(lb):
    import time

    monitor = widgets.monitor(lb.batch, interval=0.05)
    job_id = lb.submit("background", queue="HighPriority")
    deadline = time.monotonic() + 10
    while job_id not in monitor.tracker.jobs:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    monitor.close()
    assert monitor._thread is None
    lb.calls.clear()
    time.sleep(0.2)
    assert not lb.calls  # nothing refreshes after close


def test_detail_pane_and_watched_progress(lb):
    lb.set_outcome("detailed", logs=["hello from the job"], duration=1)
    job_id = lb.submit("detailed", queue="HighPriority")
    parent = lb.submit("shards", queue="HighPriority", arrayProperties={"size": 2})
    lb.run_until_idle()
    monitor = widgets.monitor(lb.batch, watch=[job_id, parent], interval=None)
    monitor.select(job_id)
    assert "hello from the job" in monitor.detail.value and ">exit code</th><td style='text-align:left'>0<" in monitor.detail.value
    assert "<details class='batchkit-why'>" in monitor.detail.value  # the why line opens to its findings
    assert "SUCCEEDED: queued for" in monitor.detail.value
    monitor.select(parent)
    assert "2/2" in monitor.detail.value
    assert (monitor.progress.value, monitor.progress.max) == (2, 2)
    monitor.close()


def test_console_fields_have_room_and_tables_their_padding(lb):
    """Labels whole ("environment", "memory MiB"), the resource tables styled inside the widget (where the
    notebook's table CSS does not reach), the Run button as wide as its operation's name."""
    console = widgets.console(lb.batch, interval=None)
    submit = console.submit
    fields = [submit.name, submit.queue, submit.definition, submit.command, submit.environment, submit.memory]
    assert {f.style.description_width for f in fields} == {"8em"}
    for view in (console.queues, console.envs, console.definitions):
        assert "batchkit-resources" in view.table._dom_classes
        assert view.table.value.startswith("<style>.batchkit-resources") and "padding" in view.table.value
    console.actions.choice.value = "UpdateComputeEnvironment"
    assert console.actions.form.run_button.layout.width == "auto"
    console.close()


def test_console_tabs_and_html_fallback(lb):
    console = widgets.console(lb.batch, interval=None)
    assert console.widget.titles == tuple(console.TABS)
    assert "HighPriority" in console.queues.table.value and "sleep:1" in console.definitions.table.value
    console.submit.name.value = "from-console"
    console.submit.command.value = "echo hi"
    console.submit.environment.value = "STAGE=dev"
    console.submit.array.value = 2
    result = console.submit.submit()
    sent = lb.calls.of("SubmitJob")[-1].params
    assert sent["containerOverrides"] == {"command": ["echo", "hi"], "environment": [{"name": "STAGE", "value": "dev"}]}
    assert sent["arrayProperties"] == {"size": 2} and result.loc[0, "jobName"] == "from-console"
    console.actions.choice.value = "DescribeJobQueues"
    assert console.actions.form.op.name == "DescribeJobQueues"
    bundle = console._repr_mimebundle_()
    assert "text/html" in bundle and "HighPriority" in bundle["text/html"]
    console.close()


def test_clicking_a_row_selects_it_and_only_unfinished_jobs_can_be_stopped(lb):
    lb.set_outcome("long", duration=3600)
    running = lb.submit("long", queue="HighPriority")
    finished = lb.submit("short", queue="HighPriority")
    lb.advance(60)
    monitor = widgets.monitor(lb.batch, interval=None)
    assert f"data-job='{running}'" in monitor.table.html  # each row knows its job
    assert monitor.cancel_button.disabled and monitor.terminate_button.disabled  # nothing selected
    monitor.table.selected = finished  # what a click on the row sends
    assert "short" in monitor.detail.value and monitor.terminate_button.disabled
    monitor.table.selected = running
    assert "long" in monitor.detail.value and not monitor.terminate_button.disabled
    monitor.close()


def test_the_queue_summary_counts_array_children_and_the_table_shows_progress(lb):
    lb.submit("shards", queue="LowPriority", arrayProperties={"size": 50})
    lb.run_until_idle()
    monitor = widgets.monitor(lb.batch, interval=None)
    assert monitor.tracker.counts().loc["LowPriority", "SUCCEEDED"] == 50 + 2  # 50 children, 2 seeded jobs
    assert "50/50" in monitor.table.html and "duration" in monitor.table.html and "attempts" in monitor.table.html
    row = monitor.tracker.frame().set_index("jobName").loc["shards"]  # its start is its first child's, as the card's
    assert row["startedAt"] == lb.batch.job(row["jobId"]).iloc[0]["startedAt"] and row["stoppedAt"] > row["startedAt"]
    timeline = monitor.timeline
    assert "shards [50]" in timeline.layout.yaxis.ticktext
    band = [t for t in timeline.data if t.meta == "progress"]  # the children by status, under the array's bar
    assert [t.name for t in band] == ["SUCCEEDED"] and "children succeeded: 100%" in band[0].customdata[0][-1]
    monitor.close()


def test_the_first_listing_never_loses_a_job_that_moves_on_meanwhile(lb):
    ids = [lb.submit(f"mover-{i}", queue="HighPriority") for i in range(20)]

    def time_passes(**kwargs):  # between any two requests, the jobs move on
        lb.advance(3)

    lb.batch.client.meta.events.register("after-call.batch.ListJobs", time_passes)
    lb.calls.clear()
    try:
        monitor = widgets.monitor(lb.batch, interval=None)
    finally:
        lb.batch.client.meta.events.unregister("after-call.batch.ListJobs", time_passes)
    assert set(ids) <= set(monitor.tracker.jobs)
    listings = lb.calls.of("ListJobs")  # one pass per queue over every status, not a listing per status
    assert sorted(c.params["jobQueue"] for c in listings) == ["Backfill", "FairShare", "GPU", "HighPriority", "LowPriority"]
    assert all(c.params["filters"][0]["name"] == "AFTER_CREATED_AT" for c in listings)
    monitor.close()


def submit_job_action(lb):
    """The console's All actions tab with SubmitJob picked, its names loaded."""
    console = widgets.console(lb.batch, interval=None)
    console.actions.choice.value = "SubmitJob"
    return console, settled(console.actions.form)


def test_all_actions_offers_the_live_names_and_reloads_them(lb):
    console, form = submit_job_action(lb)
    queues = [q["jobQueueName"] for q in lb.client.describe_job_queues()["jobQueues"]]
    definitions = [f"{d['jobDefinitionName']}:{d['revision']}"
                   for d in lb.client.describe_job_definitions(status="ACTIVE")["jobDefinitions"]]
    assert list(form.fields["jobQueue"].widget.options) == queues and len(queues) == 5
    assert list(form.fields["jobDefinition"].widget.options) == definitions and len(definitions) == 4
    assert isinstance(form.fields["jobQueue"].widget, ipywidgets.Combobox)  # free text too: ARNs
    assert "HighPriority" in form.fields["jobQueue"].widget.placeholder
    with lb.quietly():
        lb.client.create_job_queue(jobQueueName="Fresh", priority=1,
                                   computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "spot-ce"}])
    assert "Fresh" not in form.fields["jobQueue"].widget.options  # fetched once per form...
    form.names_button.click()
    assert "Fresh" in settled(form).fields["jobQueue"].widget.options  # ...and on request
    console.close()


def test_members_naming_resources_are_found_in_the_model():
    kinds = {(op.name, m.name): resource_kind(m, op) for op in catalog.operations().values() for m in op.members}
    assert kinds["DescribeJobQueues", "jobQueues"] == kinds["UpdateJobQueue", "jobQueue"] == "jobQueues"
    assert kinds["DeleteComputeEnvironment", "computeEnvironment"] == "computeEnvironments"
    assert kinds["DescribeJobs", "jobs"] == kinds["TerminateJob", "jobId"] == kinds["ListJobs", "arrayJobId"] == "jobs"
    assert kinds["SubmitJob", "jobName"] is kinds["SubmitJob", "dependsOn"] is None  # a new name; a structure
    assert kinds["TerminateServiceJob", "jobId"] is kinds["UpdateServiceJob", "jobId"] is None  # service jobs
    plurals = {m.name for op in catalog.operations().values() if op.name.startswith("Describe") for m in op.members}
    assert set(RESOURCES) <= plurals  # each kind is a Describe* action's list of names


def test_a_job_is_picked_by_its_name_and_sent_by_its_id(lb):
    job_id = lb.submit("pick-me", queue="HighPriority")
    form = settled(widgets.form(lb.batch, "TerminateJob"))
    picked = [o for o in form.fields["jobId"].widget.options if "pick-me" in o]
    assert picked == [f"{job_id} (pick-me, SUBMITTED)"]
    form.fields["jobId"].widget.value = picked[0]
    form.fields["reason"].widget.value = "picked"
    assert form.request() == {"jobId": job_id, "reason": "picked"}
    several = settled(widgets.form(lb.batch, "DescribeJobs"))
    several.fields["jobs"].widget.value = f"{picked[0]}, arn:aws:batch:us-east-1:123456789012:job/x"
    assert several.request() == {"jobs": [job_id, "arn:aws:batch:us-east-1:123456789012:job/x"]}


def test_required_fields_come_first_and_the_rest_is_collapsed(lb):
    console, form = submit_job_action(lb)
    op = catalog.operation("SubmitJob")
    assert list(form.fields)[:len(op.required)] == list(op.required) == ["jobName", "jobQueue", "jobDefinition"]
    boxes = [child for child in form.widget.children if isinstance(child, ipywidgets.VBox)]
    assert boxes == [form.fields[n].box for n in op.required]
    optional = next(c for c in form.widget.children if isinstance(c, ipywidgets.Accordion))
    assert optional.selected_index is None and optional.titles == (f"Optional ({len(op.members) - 3})",)
    assert list(optional.children[0].children) == [f.box for f in list(form.fields.values())[3:]]
    nothing_required = widgets.form(lb.batch, "DescribeJobQueues")
    assert next(c for c in nothing_required.widget.children if isinstance(c, ipywidgets.Accordion)).selected_index == 0
    console.close()


def test_structure_boxes_hold_the_models_skeleton_and_untouched_ones_send_nothing(lb):
    console, form = submit_job_action(lb)
    shape = catalog.operation("SubmitJob").member("retryStrategy").shape
    text = form.fields["retryStrategy"].widget.value
    assert yaml.safe_load(text) == {"attempts": None, "evaluateOnExit": [dict.fromkeys(shape.members["evaluateOnExit"].member.members)]}
    assert "# RETRY | EXIT, required" in text and "# integer" in text  # the types, the enums, what is required
    overrides = yaml.safe_load(form.fields["containerOverrides"].widget.value)
    assert "command" in overrides and "resourceRequirements" in overrides
    assert "vcpus" not in overrides  # deprecated in the model: resourceRequirements replaces it
    assert yaml.safe_load(form.fields["dependsOn"].widget.value) == [{"jobId": None, "type": None}]
    form.fields["jobName"].widget.value = "untouched"
    form.fields["jobQueue"].widget.value = "HighPriority"
    form.fields["jobDefinition"].widget.value = "sleep:1"
    assert form.request() == {"jobName": "untouched", "jobQueue": "HighPriority", "jobDefinition": "sleep:1"}
    form.run()
    assert set(lb.calls.of("SubmitJob")[-1].params) == {"jobName", "jobQueue", "jobDefinition"}
    console.close()


def test_a_filled_skeleton_submits_what_was_typed_and_the_job_exists(lb):
    console, form = submit_job_action(lb)
    form.fields["jobName"].widget.value = "filled-in"
    form.fields["jobQueue"].widget.value = form.fields["jobQueue"].widget.options[0]
    form.fields["jobDefinition"].widget.value = "sleep:1"
    overrides = form.fields["containerOverrides"].widget
    overrides.value = (overrides.value.replace("- name:", "- name: STAGE", 1).replace("value: ", "value: dev", 1)
                       .replace("- value:", "- value: '2'", 1).replace("type: ", "type: VCPU", 1))
    result = form.run()
    assert result is not None, form.status.value
    sent = lb.calls.of("SubmitJob")[-1].params
    assert sent["containerOverrides"] == {"environment": [{"name": "STAGE", "value": "dev"}],
                                          "resourceRequirements": [{"value": "2", "type": "VCPU"}]}
    [job] = lb.client.describe_jobs(jobs=[result.loc[0, "jobId"]])["jobs"]
    assert job["jobName"] == "filled-in" and job["jobQueue"].endswith("/HighPriority")
    console.close()


def test_names_that_cannot_be_loaded_leave_free_text_and_one_line(lb):
    lb.faults.error("DescribeJobQueues", status=400, code="ClientException", message="injected outage")
    form = settled(widgets.form(lb.batch, "DeleteJobQueue"))
    assert "live names not loaded" in form.status.value and "injected outage" in form.status.value
    assert "\n" not in form.status.value and "Traceback" not in form.status.value
    form.fields["jobQueue"].widget.value = "Backfill"
    assert form.request() == {"jobQueue": "Backfill"}


def test_the_monitor_never_contradicts_itself_as_jobs_finish_while_watched(lb):
    """Every part (counts, rows, card, chart) from one state per refresh (#25)."""
    lb.set_outcome("watched", duration=240)
    lb.set_outcome("fanout", duration=60)
    job_id = lb.submit("watched", queue="HighPriority")
    parent = lb.submit("fanout", queue="HighPriority", arrayProperties={"size": 20})
    lb.advance(30)
    monitor = widgets.monitor(lb.batch, queues=["HighPriority"], interval=None)
    monitor.select(job_id)
    assert "RUNNING" in monitor.detail.value
    lb.run_until_idle()
    monitor.refresh()
    rows = monitor.rows().set_index("jobId")
    assert rows.loc[job_id, "status"] == "SUCCEEDED" and rows.loc[parent, "status"] == "SUCCEEDED"
    card = monitor.detail.value
    assert "SUCCEEDED" in card and "RUNNING" not in card and "running since" not in card  # the card says what the row says
    assert "20/20" in monitor.table.html  # the array's progress, finished while watched
    assert "attempts</th><td style='text-align:left'>1<" in card and rows.loc[job_id, "attempts"] == 1
    counts = monitor.tracker.counts().loc["HighPriority"]
    assert counts["SUCCEEDED"] >= 21 and counts["RUNNING"] == 0  # the array counts as its 20 children
    monitor.state.value = "FAILED"  # a filter nothing matches
    assert monitor.rows().empty
    assert monitor.detail.value == "" and monitor.selected is None  # no stale card
    assert not monitor.timeline.data  # and no chart of nothing on a year-2000 axis
    assert monitor.table.html == "" and "no job matches status FAILED" in monitor.shown_rows.value
    monitor.close()


def test_a_monitor_of_some_queues_lists_and_counts_only_those(lb):
    lb.submit("high", queue="HighPriority")
    low = lb.submit("low", queue="LowPriority")
    lb.calls.clear()
    monitor = widgets.monitor(lb.batch, queues="LowPriority", interval=None)
    try:
        assert {c.params["jobQueue"] for c in lb.calls.of("ListJobs")} == {"LowPriority"}
        assert not lb.calls.of("DescribeJobQueues")  # the queues were given: none listed
        assert list(monitor.tracker.counts().index) == ["LowPriority"]
        assert low in set(monitor.rows()["jobId"]) and "high" not in set(monitor.rows()["jobName"])
        assert list(monitor.queue.options) == ["(all)", "LowPriority"]
    finally:
        monitor.close()
