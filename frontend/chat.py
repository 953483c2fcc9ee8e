"""Pages for conversations and notifications. Live updates come from static/frontend/js/chat.js over /ws/; without
JavaScript the same pages work as plain forms and links."""

import uuid

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from chat import selectors, services
from chat.models import Notification, Thread
from frontend import agreements as agreement_pages
from frontend.forms import MessageForm
from neighbours import ratelimit

# Messages shown on a thread page; older ones are one link away.
PAGE_MESSAGES = 50


@login_required
def thread_list(request):
    threads = selectors.thread_list_for(neighbour=request.user).prefetch_related("participations__neighbour")[:200]
    return render(request, "frontend/thread_list.html", {"threads": threads})


def _thread_or_404(request, pk):
    try:
        return services.thread_enter(neighbour=request.user, thread_id=pk)
    except Thread.DoesNotExist:
        raise Http404 from None


@login_required
def thread_detail(request, pk):
    thread = _thread_or_404(request, pk)
    form = MessageForm(request.POST or None, initial={"client_id": uuid.uuid4()})
    if request.method == "POST" and form.is_valid():
        retry_after = ratelimit.hit("message", f"user:{request.user.pk}")
        if retry_after is not None:
            form.add_error(None, services.message_rate_error(retry_after))
        else:
            try:
                message, _created = services.message_send(
                    thread_id=thread.pk, author=request.user, body=form.cleaned_data["body"],
                    client_id=form.cleaned_data["client_id"],
                )
            except ValidationError as exc:
                form.add_error("body", exc.message_dict["body"])
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                return redirect(reverse("frontend:thread_detail", args=[thread.pk]) + f"#message-{message.seq}")
    before = request.GET.get("before")
    before = int(before) if before and before.isdigit() else None
    messages = selectors.message_list(thread=thread, before=before, limit=PAGE_MESSAGES)
    participants = list(selectors.thread_participants(thread=thread))
    if messages and before is None:
        services.thread_mark_read(thread_id=thread.pk, neighbour=request.user, seq=messages[-1].seq)
    agreement, proposals, sides = agreement_pages.proposal_cards(
        viewer=request.user, thread=thread, messages_=messages
    )
    hidden = selectors.hidden_authors(thread=thread, neighbour=request.user)
    for message in messages:
        message.proposal = proposals.get(message.pk)
        # In a group thread, the messages of someone on the other side of a block are shown as hidden (never sent).
        message.hidden = message.author_id is not None and message.author_id in hidden
        message.hidden_reason = hidden.get(message.author_id) if message.hidden else None
    others_read = min((p.last_read_seq for p in participants if p.neighbour_id != request.user.pk), default=0)
    return render(request, "frontend/thread_detail.html", {
        "thread": thread,
        "chat_messages": messages,
        "participants": participants,
        "others": [p.neighbour for p in participants if p.neighbour_id != request.user.pk],
        "others_read": others_read,
        "earlier_before": messages[0].seq if messages and messages[0].seq > 1 else None,
        "last_seq": messages[-1].seq if messages else (before - 1 if before else 0),
        "showing_latest": before is None,
        "form": form,
        "agreement": agreement,
        "my_sides": " ".join(sorted(sides)),
    }, status=400 if form.errors else 200)


@login_required
def notification_list(request):
    notifications = list(Notification.objects.filter(recipient=request.user).order_by("-created_at", "-pk")[:100])
    response = render(request, "frontend/notification_list.html", {"notifications": notifications})
    services.notifications_mark_read(recipient=request.user)
    return response
