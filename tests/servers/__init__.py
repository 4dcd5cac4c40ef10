"""Local fake provider servers on 127.0.0.1 that follow the providers' documented request and answer
shapes (Zalo ZBS + OAuth, eSMS, SpeedSMS, SMTP). Tests and ``bench/bench_channels.py`` start them;
nothing here talks to the outside world. Import as ``from servers.zalo import FakeZalo`` (pytest puts
``tests/`` on ``sys.path``)."""
