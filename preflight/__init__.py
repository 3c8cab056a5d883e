"""The credential-free preflight: the program under Pulumi's mock monitor, judged by the real pack."""
