"""`python -m samlscan` and the `samlscan` console script."""
import gc


def main() -> None:
    # before the imports too: a short-lived process never needs the cyclic collector (cli.run),
    # and the imports' allocations started collections (4-5 ms of each start-up)
    gc.disable()
    from samlscan.cli import run

    run()


if __name__ == "__main__":
    main()
