# Stand-in for busybox:1.37.0: Debian bookworm's static busybox (1.35) alone in an empty image,
# its applets (chown, wget, sh, ...) linked into /bin, as upstream does.
ARG BASE_IMAGE
FROM ${BASE_IMAGE} AS fetch
RUN apt-get update \
 && apt-get install -y --no-install-recommends busybox-static

FROM scratch
COPY --from=fetch /bin/busybox /bin/busybox
RUN ["/bin/busybox", "--install", "/bin"]
CMD ["sh"]
