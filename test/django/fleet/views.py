"""The RMM's own views, as the tests drive them through the middleware."""
from django.http import HttpResponse, HttpResponseNotAllowed

from maintmode_django.models import Agent


def agent_maintenance(request, agent_id):
    """POST on=1|0: switches an agent with an ORM save, as an RMM's edit form does."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    agent = Agent.objects.get(pk=agent_id)
    agent.maintenance_mode = request.POST["on"] == "1"
    agent.save(update_fields=["maintenance_mode"])
    return HttpResponse(f"{agent.hostname}: {'in' if agent.maintenance_mode else 'out'}\n")
