from django.http import Http404

def my_trips(request, **kw):
    raise Http404


def request_list(request, **kw):
    raise Http404


def request_edit(request, **kw):
    raise Http404


def request_detail(request, **kw):
    raise Http404


def request_submit(request, **kw):
    raise Http404


def request_cancel(request, **kw):
    raise Http404


def clearance_decide(request, **kw):
    raise Http404


def approval_queue(request, **kw):
    raise Http404


def delegations(request, **kw):
    raise Http404


def advisory_list(request, **kw):
    raise Http404


def advisory_edit(request, **kw):
    raise Http404


def advisory_detail(request, **kw):
    raise Http404


def advisories_for(request, **kw):
    raise Http404


def directory(request, **kw):
    raise Http404


def directory_country(request, **kw):
    raise Http404


def contact_edit(request, **kw):
    raise Http404


def contact_delete(request, **kw):
    raise Http404


def area_controls(request, **kw):
    raise Http404


def area_control_edit(request, **kw):
    raise Http404


def operator_list(request, **kw):
    raise Http404


def operator_edit(request, **kw):
    raise Http404


def whereabouts_page(request, **kw):
    raise Http404


def whereabouts_geojson(request, **kw):
    raise Http404


def coverage(request, **kw):
    raise Http404


def residence_confirm(request, **kw):
    raise Http404


