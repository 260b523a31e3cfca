"""The plain-Python core of the media pipeline: probing, transcoding, disc and USB making.

Nothing in this package imports Django or another app of the project, so it runs from
`python -m media_pipeline`, a benchmark or a test without settings
(tests/media_pipeline_core/test_core_is_plain_python.py keeps it so). The Django side of
`media_pipeline` (models, services, views) and `lectures.offline` call into it.
"""
