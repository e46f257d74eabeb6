from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404


def allowed_if(predicate, *, refusal: type[Exception] = Http404):
    """A page open to whoever `predicate(user)` accepts (a function of the access module); others get `refusal`."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not predicate(request.user):
                raise refusal
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
