from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def convention_list(request):
    return render(request, "conventions/list.html", {})
