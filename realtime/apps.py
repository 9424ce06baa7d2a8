from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "realtime"

    def ready(self) -> None:
        from accounts import signals
        from realtime import receivers

        signals.session_ended.connect(
            receivers.close_session_sockets, dispatch_uid="realtime.close_session_sockets"
        )
        signals.user_locked_out.connect(
            receivers.close_user_sockets, dispatch_uid="realtime.close_user_sockets"
        )
