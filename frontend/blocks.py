"""Pages for blocking: "Block this person" (with a confirmation step) on thread and post pages, and the list of
people I have blocked, with "Unblock", on the profile page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from neighbours import selectors, services
from neighbours.models import Neighbour


def _neighbour_or_404(pk):
    neighbour = Neighbour.objects.filter(pk=pk, is_active=True).first()
    if neighbour is None:
        raise Http404
    return neighbour


def blocks_url():
    return reverse("frontend:profile") + "#blocks-heading"


def profile_blocks_context(neighbour):
    """What the profile page needs for its "People I have blocked" section."""
    return {"blocks": selectors.block_list(blocker=neighbour)}


@login_required
def block_confirm(request, neighbour_id):
    """GET: what blocking means, and a button to confirm; POST: the block, then back to the list of blocks (the
    page the button was on may no longer exist for this person)."""
    other = _neighbour_or_404(neighbour_id)
    if request.method == "POST":
        try:
            services.block_create(blocker=request.user, blocked=other)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("You have blocked %(name)s.") % {"name": other.display_name})
        return redirect(blocks_url())
    already = selectors.block_list(blocker=request.user).filter(blocked=other).exists()
    return render(request, "frontend/blocks/confirm.html", {
        "other": other, "already": already, "is_me": other.pk == request.user.pk,
    })


@login_required
@require_POST
def block_remove(request, neighbour_id):
    if services.block_delete(blocker=request.user, blocked_id=neighbour_id):
        messages.success(request, _("The block is lifted."))
    return redirect(blocks_url())
