# Run by FakeWindowsHost --language-mode ConstrainedLanguage after the fake module is loaded:
# from here on the session is constrained, as AppLocker or WDAC script rules run an untrusted
# script, while the fake module's functions keep the FullLanguage they were defined in.
$ExecutionContext.SessionState.LanguageMode = 'ConstrainedLanguage'
